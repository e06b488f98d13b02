"""bid_place: every rule, against PostgreSQL, through the service."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from auctions import bid_policy, services
from auctions.engine import AlreadyLeading, BidTooLow
from auctions.models import Auction, Bid, BidderLabel
from auctions.rules import rules_in_plain_words
from auctions.services.bidding import soft_close_end
from core.exceptions import ApplicationError
from core.models import Notification
from tests.accounts.factories import DealerFactory, SellerFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction

pytestmark = pytest.mark.django_db


def place(auction, dealer, **kwargs):
    """The bid service, answered as the API answers it (the policy layer words the domain result)."""
    result = services.bid_place(auction_id=auction.pk, dealer=dealer, **kwargs)
    return bid_policy.BidAnswer(201, bid_policy.bid_answer_body(result))


def code_of(excinfo) -> str:
    return excinfo.value.code


def test_the_first_bid_must_reach_the_starting_price(auction, dealer):
    with pytest.raises(BidTooLow):
        place(auction, dealer, amount_minor=auction.starting_price_minor - 1)
    result = place(auction, dealer, amount_minor=auction.starting_price_minor)
    auction.refresh_from_db()
    assert result.status_code == 201
    assert (auction.price_minor, auction.leader_id, auction.bid_count) == (10_000_00, dealer.pk, 1)


def test_the_next_bid_must_add_the_increment_of_the_price_band(auction, dealers):
    a, b = dealers(2)
    place(auction, a, amount_minor=10_000_00)
    with pytest.raises(BidTooLow) as refused:
        place(auction, b, amount_minor=10_099_00)
    assert refused.value.fields["amount_minor"]
    place(auction, b, amount_minor=10_100_00)
    auction.refresh_from_db()
    assert auction.price_minor == 10_100_00 and auction.leader_id == b.pk


def test_a_direct_bid_meeting_a_proxy_is_answered_at_once(auction, dealers):
    a, b = dealers(2)
    place(auction, a, max_amount_minor=15_000_00)
    result = place(auction, b, amount_minor=12_000_00)
    auction.refresh_from_db()
    assert [(p["amount_minor"], p["kind"]) for p in result.body["placed"]] == [(12_000_00, "direct"),
                                                                              (12_100_00, "auto")]
    assert result.body["auction"]["my_state"] == "outbid"
    assert (auction.price_minor, auction.leader_id, auction.leader_max_minor) == (12_100_00, a.pk, 15_000_00)
    assert list(auction.bids.values_list("sequence", "amount_minor")) == [
        (1, 10_000_00), (2, 12_000_00), (3, 12_100_00)]


def test_equal_maxima_the_earlier_leads_at_that_amount(auction, dealers):
    a, b = dealers(2)
    place(auction, a, max_amount_minor=15_000_00)
    place(auction, b, max_amount_minor=15_000_00)
    auction.refresh_from_db()
    assert (auction.price_minor, auction.leader_id) == (15_000_00, a.pk)
    last_two = list(auction.bids.order_by("sequence").values_list("amount_minor", "kind"))[-2:]
    assert last_two == [(15_000_00, "proxy"), (15_000_00, "auto")]


def test_the_leader_cannot_outbid_themselves_but_raising_the_maximum_changes_nothing_visible(auction, dealer):
    place(auction, dealer, max_amount_minor=12_000_00)
    with pytest.raises(AlreadyLeading):
        place(auction, dealer, amount_minor=13_000_00)
    before = Auction.objects.get(pk=auction.pk)
    result = place(auction, dealer, max_amount_minor=20_000_00)
    after = Auction.objects.get(pk=auction.pk)
    assert result.body["placed"] == [] and result.body["auction"]["my_max_minor"] == 20_000_00
    assert (after.price_minor, after.bid_count, after.event_seq) == (before.price_minor, 1, before.event_seq)
    assert after.leader_max_minor == 20_000_00
    assert Bid.objects.filter(auction=auction, is_visible=False).count() == 1


def test_bidder_labels_are_stable_and_given_in_order_of_first_bid(auction, dealers):
    a, b = dealers(2)
    place(auction, a, amount_minor=10_000_00)
    place(auction, b, amount_minor=10_100_00)
    place(auction, a, amount_minor=10_200_00)
    assert dict(BidderLabel.objects.filter(auction=auction).values_list("dealer_id", "number")) == {a.pk: 1, b.pk: 2}


def test_a_bid_after_the_end_is_refused_even_while_the_auction_is_still_live(auction, dealer):
    move_end(auction, seconds_from_now=-1)
    assert auction.status == Auction.Status.LIVE
    with pytest.raises(ApplicationError) as refused:
        place(auction, dealer, amount_minor=10_000_00)
    assert code_of(refused) == "auction_ended"
    assert not Bid.objects.filter(auction=auction).exists()


def test_a_scheduled_auction_takes_no_bids(dealer):
    later = make_auction(starts_at=datetime.now(UTC) + timedelta(hours=1))
    assert later.status == Auction.Status.SCHEDULED
    with pytest.raises(ApplicationError) as refused:
        place(later, dealer, amount_minor=10_000_00)
    assert code_of(refused) == "auction_not_live"


def test_the_soft_close_window_includes_its_boundary():
    end = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    window = timedelta(minutes=2)
    assert soft_close_end(ends_at=end, bid_time=end - window, window=window) == end
    assert soft_close_end(ends_at=end, bid_time=end - window + timedelta(microseconds=1), window=window) == \
        end + timedelta(microseconds=1)
    assert soft_close_end(ends_at=end, bid_time=end - window - timedelta(seconds=1), window=window) is None
    assert soft_close_end(ends_at=end, bid_time=end - timedelta(seconds=10), window=window) == \
        end - timedelta(seconds=10) + window


def test_a_bid_in_the_last_minutes_moves_the_end_to_bid_time_plus_the_window(auction, dealer):
    move_end(auction, seconds_from_now=30)
    place(auction, dealer, amount_minor=10_000_00)
    bid = Bid.objects.get(auction=auction)
    auction.refresh_from_db()
    assert auction.ends_at == bid.created_at + timedelta(minutes=2)


def test_a_bid_before_the_window_leaves_the_end_alone(auction, dealer):
    move_end(auction, seconds_from_now=2 * 60 + 30)
    end = auction.ends_at
    place(auction, dealer, amount_minor=10_000_00)
    auction.refresh_from_db()
    assert auction.ends_at == end


def test_the_soft_close_window_can_be_set_in_seconds(auction, dealers, settings):
    settings.GAVEL_SOFT_CLOSE_SECONDS = 15
    early, late = dealers(2)
    move_end(auction, seconds_from_now=40)
    end = auction.ends_at
    place(auction, early, amount_minor=10_000_00)
    auction.refresh_from_db()
    assert auction.ends_at == end, "40 s before the end is outside a 15 s window"

    move_end(auction, seconds_from_now=10)
    place(auction, late, amount_minor=10_100_00)
    bid = Bid.objects.get(auction=auction, dealer=late)
    auction.refresh_from_db()
    assert auction.ends_at == bid.created_at + timedelta(seconds=15)
    assert "A bid in the last 15 seconds moves the end to 15 seconds after that bid" in " ".join(rules_in_plain_words())


def test_a_seller_can_never_bid_on_their_own_car(auction):
    with pytest.raises(ApplicationError) as refused:
        place(auction, auction.listing.seller, amount_minor=10_000_00)
    assert code_of(refused) == "own_listing"


@pytest.mark.parametrize("who", ["unverified", "suspended", "seller"])
def test_only_verified_dealers_bid(auction, who):
    user = {"unverified": lambda: DealerFactory(), "suspended": lambda: DealerFactory(suspended=True),
            "seller": lambda: SellerFactory()}[who]()
    with pytest.raises(ApplicationError) as refused:
        place(auction, user, amount_minor=10_000_00)
    assert code_of(refused) == {"unverified": "not_verified", "suspended": "not_verified",
                                "seller": "not_a_dealer"}[who]
    assert not Bid.objects.filter(auction=auction).exists()


def test_the_buying_limit_counts_leading_maxima_elsewhere_and_unpaid_won_cars(dealer):
    dealer.dealer_profile.buying_limit_minor = 30_000_00
    dealer.dealer_profile.save()
    first, second, third = make_auction(reserve_minor=10_000_00), make_auction(), make_auction()
    place(first, dealer, max_amount_minor=18_000_00)
    with pytest.raises(ApplicationError) as refused:
        place(second, dealer, max_amount_minor=12_000_01)
    assert code_of(refused) == "buying_limit_exceeded"
    place(second, dealer, amount_minor=12_000_00)
    # Won and unpaid: the first car's hammer price keeps counting after its close.
    move_end(first, seconds_from_now=-1)
    services.auction_close(auction_id=first.pk)
    first.refresh_from_db()
    assert first.outcome == Auction.Outcome.SOLD
    with pytest.raises(ApplicationError):
        place(third, dealer, amount_minor=10_000_00)


def test_the_outbid_dealer_is_told_in_the_app_and_by_email(auction, dealers, django_capture_on_commit_callbacks):
    a, b = dealers(2)
    with django_capture_on_commit_callbacks(execute=True):
        place(auction, a, amount_minor=10_000_00)
        place(auction, b, amount_minor=11_000_00)
    note = Notification.objects.get(user=a)
    assert note.kind == "outbid" and note.url == f"/auctions/{auction.pk}/"
    assert [m.to for m in mail.outbox] == [[a.email]]
    assert not Notification.objects.filter(user=b).exists()


def test_every_public_change_bumps_the_event_sequence(auction, dealers):
    a, b = dealers(2)
    start = auction.event_seq
    place(auction, a, amount_minor=10_000_00)
    place(auction, b, amount_minor=10_100_00)
    auction.refresh_from_db()
    assert auction.event_seq == start + 2
