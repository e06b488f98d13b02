"""Whom in a dealer organisation each event is told to (accounts.organisations.AUDIENCE_BY_KIND): an auction's course
(outbid, won) to the owners and the member who placed the organisation's bid; money (the invoice, a deposit top-up)
to the owners and the accounts members; the organisation's own affairs to the owners. In-app rows, emails and the
bell's live frames follow the rows."""

import pytest
from django.db import connection

from accounts.models import Membership
from accounts.organisations import organisation_recipient_ids
from auctions import services as auction_services
from core import outbox
from core.models import Notification
from payments.models import Sale
from tests.accounts.factories import DealerFactory, member_of
from tests.auctions.factories import make_auction
from tests.payments.factories import close_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(dealer):
    """`dealer` (the account holder, an owner) with a second owner, two buyers and an accounts member."""
    return {"holder": dealer, "owner": member_of(dealer, Membership.Role.OWNER),
            "bidder": member_of(dealer, Membership.Role.BUYER), "idle": member_of(dealer, Membership.Role.BUYER),
            "accounts": member_of(dealer, Membership.Role.ACCOUNTS)}


def _told(kind: str, team: dict) -> set[str]:
    users = set(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))
    return {name for name, user in team.items() if user.pk in users}


def test_outbid_is_told_to_the_owners_and_the_member_who_placed_the_bid(team, django_capture_on_commit_callbacks,
                                                                        mailoutbox, redis):
    auction = make_auction()
    rival = DealerFactory(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        auction_services.bid_place(auction_id=auction.pk, dealer=team["holder"], amount_minor=10_000_00,
                                   placed_by=team["bidder"])
        auction_services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
    assert _told("outbid", team) == {"holder", "owner", "bidder"}
    assert {message.to[0] for message in mailoutbox if "outbid" in message.subject} == {
        team[name].email for name in ("holder", "owner", "bidder")}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the outbox serves the bid function")
@pytest.mark.django_db(transaction=True)
def test_through_the_outbox_the_worker_tells_the_same_people_once(team, settings, redis):
    settings.GAVEL_OUTBOX = True
    auction = make_auction()
    rival = DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=team["holder"], max_amount_minor=11_000_00,
                               placed_by=team["bidder"])
    auction_services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=11_500_00)
    assert not Notification.objects.exists()  # the bids' requests only queued it
    entries = redis.xrange(outbox.outbox_stream())
    assert outbox.outbox_consume(consumer="w", block_ms=10) == 2
    assert _told("outbid", team) == {"holder", "owner", "bidder"}
    # The outbid entry delivered again (a worker that died before acknowledging it): nobody is told twice.
    redis.xadd(outbox.outbox_stream(), entries[-1][1])
    assert outbox.outbox_consume(consumer="w", block_ms=10) == 1
    assert Notification.objects.filter(kind="outbid").count() == 3


def test_the_proxy_receipt_is_told_to_the_member_who_set_the_maximum_and_the_owners(
        team, django_capture_on_commit_callbacks, redis):
    auction = make_auction()
    rival = DealerFactory(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        auction_services.bid_place(auction_id=auction.pk, dealer=team["holder"], max_amount_minor=12_000_00,
                                   placed_by=team["bidder"])
        auction_services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_500_00)
    assert _told("proxy_bid_receipt", team) == {"holder", "owner", "bidder"}


def test_the_win_goes_to_the_owners_and_the_bidder_the_invoice_to_the_owners_and_accounts(
        team, django_capture_on_commit_callbacks, redis):
    auction = make_auction(starting_price_minor=12_500_00, reserve_minor=12_000_00)
    with django_capture_on_commit_callbacks(execute=True):
        auction_services.bid_place(auction_id=auction.pk, dealer=team["holder"], amount_minor=12_500_00,
                                   placed_by=team["bidder"])
        close_now(auction.pk)
    assert Sale.objects.filter(auction=auction, buyer=team["holder"]).exists()
    assert _told("auction_won", team) == {"holder", "owner", "bidder"}
    assert _told("sale_invoice", team) == {"holder", "owner", "accounts"}


def test_the_organisations_own_affairs_are_told_to_the_owners_and_a_seller_alone(team, seller):
    assert organisation_recipient_ids(account_id=team["holder"].pk, kind="webhook_endpoint_disabled") == [
        team["holder"].pk, team["owner"].pk]
    assert organisation_recipient_ids(account_id=team["holder"].pk, kind="fee_owed") == [
        team["holder"].pk, team["owner"].pk, team["accounts"].pk]
    assert organisation_recipient_ids(account_id=seller.pk, kind="sale_paid") == [seller.pk]
