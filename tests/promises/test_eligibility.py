"""Promise 2: only a dealer allowed to buy can win or be offered a car.

Suspending a dealer (the admin action) withdraws their standing bids and maxima from every live auction and works
each one out again from the remaining bids through the engine: audited, watchers told live, the price may go down
and the page says so. After a close, the seller of a car whose top bidder or buyer was suspended is told and may
decline or cancel at no cost. A second-chance offer never goes to a suspended dealer, nor past a buying limit.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from accounts.models import DealerProfile
from auctions.models import Auction, Bid
from core.models import AuditLog, Notification
from marketplace.models import Listing
from payments.models import LedgerEntry, Sale, SecondChanceOffer
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.live.conftest import frames, start_server, stop
from tests.promises.conftest import admin_action, bid, end_and_close, make_overdue, token_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROFILES = "/admin/accounts/dealerprofile/"


def suspend(client, dealer, reason="Licence revoked"):
    client.force_login(StaffFactory())
    return admin_action(client, PROFILES, "suspend_dealers", [dealer.dealer_profile], reason=reason)


def live_auction(reserve_minor=12_000_00):
    return make_auction(starting_price_minor=10_000_00, reserve_minor=reserve_minor)


# Live auctions: withdrawn and worked out again -------------------------------------------------------------------

def test_a_dealer_suspended_while_leading_is_withdrawn_and_cannot_win(client):
    auction = live_auction()
    runner_up, leader = DealerFactory(verified=True), DealerFactory(verified=True)
    bid(runner_up, auction, max_amount_minor=12_500_00)
    bid(leader, auction, max_amount_minor=14_000_00)
    assert token_client(runner_up).get(f"/api/v1/auctions/{auction.pk}/").json()["price_minor"] == 12_600_00

    page = suspend(client, leader)
    assert "Suspend selected dealers: 1 done." in page.content.decode()

    state = token_client(auction.listing.seller).get(f"/api/v1/auctions/{auction.pk}/").json()
    assert state["price_minor"] == 10_000_00, "re-resolved from the remaining maximum alone: the price went down"
    assert state["leader_label"] == "Dealer 1" and state["bid_count"] == 1
    assert state["repricings"][0]["price_before_minor"] == 12_600_00
    assert state["repricings"][0]["price_after_minor"] == 10_000_00
    mine = token_client(runner_up).get(f"/api/v1/auctions/{auction.pk}/").json()
    assert (mine["my_state"], mine["my_max_minor"]) == ("leading", 12_500_00)
    history = token_client(runner_up).get(f"/api/v1/auctions/{auction.pk}/bids/").json()["results"]
    assert [(b["label"], b["amount_minor"]) for b in history] == [("Dealer 1", 10_000_00)]
    assert set(Bid.objects.filter(dealer=leader).values_list("state", flat=True)) == {Bid.State.WITHDRAWN}
    staff_view = token_client(StaffFactory()).get(f"/api/v1/auctions/{auction.pk}/bids/").json()["results"]
    assert {(b["dealer_id"], b["state"]) for b in staff_view} >= {(leader.pk, "withdrawn"), (runner_up.pk, "replaced"),
                                                                  (runner_up.pk, "standing")}

    row = AuditLog.objects.for_object(auction).get(data__kind="repriced")
    assert row.actor is not None and "Licence revoked" in row.reason
    assert (row.data["price_before_minor"], row.data["price_after_minor"]) == (12_600_00, 10_000_00)
    assert Notification.objects.filter(user=auction.listing.seller, kind="auction_repriced").count() == 1
    assert Notification.objects.filter(user=runner_up, kind="auction_repriced").count() == 1
    assert Notification.objects.filter(user=leader, kind="dealer_suspended").count() == 1

    end_and_close(auction)
    assert (auction.outcome, auction.leader_id) == (Auction.Outcome.AWAITING_SELLER, runner_up.pk)
    assert not Sale.objects.filter(buyer=leader).exists()


def test_the_remaining_bids_are_replayed_in_their_order_through_the_engine(client):
    """A bids 10,000; B sets a maximum of 13,000; C bids 11,000 (B answers 11,100); A sets 12,000 (B answers 12,100).
    Without B: A 10,000, C 11,000, A's maximum 12,000 answers at once: C's 11,000 and A's proxy at 11,100."""
    auction = live_auction()
    a, b, c = (DealerFactory(verified=True) for _ in range(3))
    bid(a, auction, amount_minor=10_000_00)
    bid(b, auction, max_amount_minor=13_000_00)
    bid(c, auction, amount_minor=11_000_00)
    bid(a, auction, max_amount_minor=12_000_00)
    assert Auction.objects.get(pk=auction.pk).leader_id == b.pk

    suspend(client, b)

    auction.refresh_from_db()
    assert (auction.price_minor, auction.leader_id, auction.leader_max_minor) == (11_100_00, a.pk, 12_000_00)
    standing = list(auction.bids.filter(state=Bid.State.STANDING).order_by("sequence")
                    .values_list("dealer_id", "amount_minor", "kind"))
    assert standing == [(a.pk, 10_000_00, "direct"), (c.pk, 11_000_00, "direct"), (a.pk, 11_100_00, "proxy")]
    assert auction.bid_count == 3
    # Every bid that stood before is kept for the record, withdrawn (B's) or replaced (the rest).
    assert auction.bids.filter(state=Bid.State.REPLACED).count() == 3
    assert auction.bids.filter(state=Bid.State.WITHDRAWN, dealer=b).count() == 3


def test_a_bid_placed_only_to_beat_the_withdrawn_dealer_falls_away(client):
    """B 10,000, A 10,100, B 10,200, A 10,500. Without B, A's second bid would outbid A: it falls away (a dealer
    never outbids themselves) and A leads at 10,100."""
    auction = live_auction()
    a, b = DealerFactory(verified=True), DealerFactory(verified=True)
    bid(b, auction, amount_minor=10_000_00)
    bid(a, auction, amount_minor=10_100_00)
    bid(b, auction, amount_minor=10_200_00)
    bid(a, auction, amount_minor=10_500_00)

    suspend(client, b)

    auction.refresh_from_db()
    assert (auction.price_minor, auction.leader_id, auction.bid_count) == (10_100_00, a.pk, 1)
    row = AuditLog.objects.for_object(auction).get(data__kind="repriced")
    assert row.data["skipped_sequences"] == [4]


def test_a_suspension_that_changes_nothing_else_keeps_the_history_as_it_was(client):
    auction = live_auction()
    a, withdrawn, c = (DealerFactory(verified=True) for _ in range(3))
    bid(a, auction, amount_minor=10_000_00)
    bid(withdrawn, auction, amount_minor=10_100_00)
    bid(c, auction, amount_minor=10_500_00)

    suspend(client, withdrawn)

    auction.refresh_from_db()
    assert (auction.price_minor, auction.leader_id, auction.bid_count) == (10_500_00, c.pk, 2)
    assert not auction.bids.filter(state=Bid.State.REPLACED).exists(), "the others' bids stand as placed"


def test_watchers_see_the_repricing_live_and_the_page_says_the_price_may_go_down(client, redis):
    auction = live_auction()
    runner_up, leader, watcher = (DealerFactory(verified=True) for _ in range(3))
    bid(runner_up, auction, max_amount_minor=12_500_00)
    bid(leader, auction, max_amount_minor=14_000_00)
    server = start_server(redis_url=settings.REDIS_URL)
    try:
        with server.ws(f"/ws/auctions/{auction.pk}/", watcher) as ws:
            suspend(client, leader)
            [frame] = frames(ws, 1)
    finally:
        stop(server.proc)
    assert frame["kind"] == "repriced" and frame["price_minor"] == 10_000_00 and frame["leader_label"] == "Dealer 1"
    assert "14000" not in str(frame).replace("_", "") and str(leader.pk) not in str(frame["new_bids"])

    client.force_login(watcher)
    page = client.get(f"/auctions/{auction.pk}/").content.decode()
    assert "their bids and maximum are withdrawn" in page and "the price may go down" in page
    assert "a bidder who may no longer buy was withdrawn" in page and "€12,600" in page and "€10,000" in page
    assert "Licence revoked" not in page, "nobody but the dealer and staff learns why"


def test_a_suspended_dealer_cannot_bid_again_and_their_maximum_never_comes_back(client):
    auction = live_auction()
    runner_up, leader = DealerFactory(verified=True), DealerFactory(verified=True)
    bid(runner_up, auction, amount_minor=10_000_00)
    bid(leader, auction, max_amount_minor=15_000_00)
    suspend(client, leader)
    refused = token_client(leader).post(f"/api/v1/auctions/{auction.pk}/bids/",
        {"amount_minor": 20_000_00}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_verified"
    bid(DealerFactory(verified=True), auction, amount_minor=10_100_00)
    auction.refresh_from_db()
    assert auction.price_minor == 10_100_00, "the withdrawn maximum does not answer the new bid"


def test_a_replay_leaves_out_a_rival_whom_the_lead_would_take_over_their_buying_limit(client):
    auction, other = live_auction(), live_auction()
    rival = DealerFactory(verified=True, profile__buying_limit_minor=20_000_00)
    leader, third = DealerFactory(verified=True), DealerFactory(verified=True)
    bid(third, auction, amount_minor=10_500_00)
    bid(rival, auction, max_amount_minor=12_000_00)
    bid(leader, auction, max_amount_minor=14_000_00)  # the rival is outbid here: nothing committed on it
    bid(rival, other, max_amount_minor=11_000_00)  # so they commit elsewhere: 11,000 of 20,000

    suspend(client, leader)

    auction.refresh_from_db()
    assert auction.leader_id == third.pk and auction.price_minor == 10_500_00, \
        "12,000 more would take the rival to 23,000 of 20,000: their maximum sits this replay out"


def test_two_co_bidders_suspended_at_the_same_moment_both_leave_without_a_deadlock():
    from payments.services import dealer_suspend_and_withdraw

    auction = live_auction()
    a, b, c = (DealerFactory(verified=True) for _ in range(3))
    bid(c, auction, amount_minor=10_000_00)
    bid(a, auction, max_amount_minor=13_000_00)
    bid(b, auction, max_amount_minor=14_000_00)
    staff = StaffFactory()
    barrier, errors = threading.Barrier(2), []

    def run(dealer):
        try:
            profile = DealerProfile.objects.get(user=dealer)
            barrier.wait()
            dealer_suspend_and_withdraw(profile=profile, actor=staff, reason="Fraud ring")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(dealer,)) for dealer in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    auction.refresh_from_db()
    assert (auction.leader_id, auction.price_minor) == (c.pk, 10_000_00)
    assert not auction.bids.filter(dealer__in=[a, b], state=Bid.State.STANDING).exists()


def _race_bid_and_suspension(auction, dealer, staff) -> str:
    from auctions.services import bid_place
    from payments.services import dealer_suspend_and_withdraw

    barrier, outcomes = threading.Barrier(2), []

    def place():
        barrier.wait()
        try:
            bid_place(auction_id=auction.pk, dealer=dealer, max_amount_minor=15_000_00)
            outcomes.append("placed")
        except Exception as exc:  # noqa: BLE001 - a refusal is one of the two outcomes
            outcomes.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    def suspend_now():
        barrier.wait()
        try:
            dealer_suspend_and_withdraw(profile=DealerProfile.objects.get(user=dealer), actor=staff, reason="Race")
        finally:
            connection.close()

    threads = [threading.Thread(target=place), threading.Thread(target=suspend_now)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes[0]


def test_a_bid_racing_the_suspension_never_stands():
    """The dealer's bid and their suspension at the same moment, several times: the bid either lands first and is
    withdrawn, or is refused. A suspended dealer never leads."""
    staff = StaffFactory()
    for _ in range(6):
        auction = live_auction()
        rival, dealer = DealerFactory(verified=True), DealerFactory(verified=True)
        bid(rival, auction, amount_minor=10_000_00)
        assert _race_bid_and_suspension(auction, dealer, staff) in ("placed", "not_verified")
        auction.refresh_from_db()
        assert (auction.leader_id, auction.price_minor) == (rival.pk, 10_000_00)
        assert not auction.bids.filter(dealer=dealer, state=Bid.State.STANDING).exists()


# After the close --------------------------------------------------------------------------------------------------

def test_the_seller_is_warned_and_cannot_sell_to_a_top_bidder_suspended_after_the_close(client):
    auction = live_auction()
    leader = DealerFactory(verified=True)
    bid(leader, auction, amount_minor=11_000_00)
    end_and_close(auction)
    assert auction.outcome == Auction.Outcome.AWAITING_SELLER

    suspend(client, leader)

    seller = auction.listing.seller
    told = Notification.objects.get(user=seller, kind="top_bidder_suspended")
    assert "at no cost" in told.body and told.url == f"/auctions/{auction.pk}/"
    state = token_client(seller).get(f"/api/v1/auctions/{auction.pk}/").json()
    assert (state["can_decide"], state["can_accept"], state["top_bidder_can_buy"]) == (True, False, False)
    client.force_login(seller)
    page = client.get(f"/auctions/{auction.pk}/").content.decode()
    assert "The top bidder may no longer buy." in page and "Accept €11,000" not in page

    answer = token_client(seller).post(f"/api/v1/auctions/{auction.pk}/decision/", {"accept": True}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "buyer_not_eligible"
    assert not Sale.objects.filter(buyer=leader).exists()

    client.post(f"/auctions/{auction.pk}/decision/", {"accept": "0"})
    auction.refresh_from_db()
    auction.listing.refresh_from_db()
    assert (auction.outcome, auction.listing.status) == (Auction.Outcome.UNSOLD, Listing.Status.UNSOLD)
    assert not LedgerEntry.objects.filter(account__owner=seller).exists(), "declining costs the seller nothing"


def test_the_seller_may_cancel_at_no_cost_when_the_buyer_is_suspended_before_paying(client):
    auction = live_auction()
    runner_up, buyer = DealerFactory(verified=True), DealerFactory(verified=True)
    bid(runner_up, auction, amount_minor=12_000_00)
    bid(buyer, auction, amount_minor=12_500_00)
    end_and_close(auction)
    sale = Sale.objects.get(auction=auction)
    seller = token_client(auction.listing.seller)
    refused = seller.post(f"/api/v1/sales/{sale.pk}/cancel/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "buyer_eligible"

    suspend(client, buyer)

    told = Notification.objects.get(user=auction.listing.seller, kind="buyer_suspended")
    assert told.url == f"/sales/{sale.pk}/"
    view = seller.get(f"/api/v1/sales/{sale.pk}/").json()
    assert (view["buyer_can_buy"], view["can_cancel"]) == (False, True)
    client.force_login(auction.listing.seller)
    assert "The buying dealer may no longer buy on Gavel." in client.get(f"/sales/{sale.pk}/").content.decode()

    cancelled = seller.post(f"/api/v1/sales/{sale.pk}/cancel/", {}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    offer = SecondChanceOffer.objects.get(sale=sale)
    assert (offer.dealer, offer.amount_minor, offer.status) == (runner_up, 12_000_00, "pending"), \
        "at the reserve the runner-up is offered the car at once"
    assert not LedgerEntry.objects.filter(account__owner=auction.listing.seller).exists()
    assert Notification.objects.filter(user=buyer, kind="sale_cancelled").count() == 1


def test_a_winner_suspended_between_the_close_and_the_sale_gets_no_sale_and_the_car_is_offered_again(client):
    auction = live_auction()
    winner = DealerFactory(verified=True)
    bid(winner, auction, amount_minor=12_500_00)
    with transaction.atomic():
        end_and_close(auction)  # its effects (opening the sale) wait for this transaction to commit
        suspend(client, winner)
    auction.refresh_from_db()
    auction.listing.refresh_from_db()
    assert not Sale.objects.filter(auction=auction).exists()
    assert (auction.outcome, auction.winner_id) == (Auction.Outcome.UNSOLD, None)
    assert auction.listing.status == Listing.Status.UNSOLD
    assert Notification.objects.filter(user=auction.listing.seller, kind="auction_sale_void").count() == 1


# Second chances ---------------------------------------------------------------------------------------------------

def _overdue_sale_with(bidders, *, reserve_minor=10_000_00):
    """Each (dealer, amount) bids in turn, then the winner bids 12,500 and never pays."""
    auction = live_auction(reserve_minor=reserve_minor)
    for dealer, amount in bidders:
        bid(dealer, auction, amount_minor=amount)
    winner = DealerFactory(verified=True)
    bid(winner, auction, amount_minor=12_500_00)
    end_and_close(auction)
    return make_overdue(Sale.objects.get(auction=auction))


def test_a_second_chance_skips_a_suspended_dealer_and_one_it_would_take_over_their_limit(client):
    suspended, stretched, able = (DealerFactory(verified=True) for _ in range(3))
    DealerProfile.objects.filter(user=stretched).update(buying_limit_minor=11_000_00)
    sale = _overdue_sale_with([(able, 10_000_00), (stretched, 10_500_00), (suspended, 12_000_00)])
    other = live_auction()
    bid(stretched, other, amount_minor=10_000_00)  # leading elsewhere: 10,000 of their 11,000 committed
    suspend(client, suspended)

    admin_action(client, "/admin/payments/sale/", "cancel_and_offer_second_chance", [sale], reason="Unpaid")

    offer = SecondChanceOffer.objects.get(sale=sale)
    assert (offer.dealer, offer.amount_minor) == (able, 10_000_00)
    offers = token_client(able).get("/api/v1/second-chance-offers/").json()["results"]
    assert [row["id"] for row in offers] == [offer.pk]
    assert token_client(suspended).get("/api/v1/second-chance-offers/").json()["results"] == []


def test_an_offered_dealer_who_is_suspended_loses_the_offer_and_the_next_bidder_gets_it(client):
    first, second = DealerFactory(verified=True), DealerFactory(verified=True)
    sale = _overdue_sale_with([(second, 10_000_00), (first, 11_000_00)])
    client.force_login(StaffFactory())
    admin_action(client, "/admin/payments/sale/", "cancel_and_offer_second_chance", [sale], reason="Unpaid")
    offer = SecondChanceOffer.objects.get(sale=sale, dealer=first)

    suspend(client, first)

    offer.refresh_from_db()
    assert offer.status == SecondChanceOffer.Status.WITHDRAWN
    accepted = token_client(first).post(f"/api/v1/second-chance-offers/{offer.pk}/",
        {"decision": "accept"}, format="json")
    assert accepted.status_code == 409
    assert SecondChanceOffer.objects.get(sale=sale, dealer=second).status == SecondChanceOffer.Status.PENDING


def test_a_dealer_over_their_limit_by_now_cannot_accept_a_second_chance(client):
    dealer = DealerFactory(verified=True, profile__buying_limit_minor=20_000_00)
    sale = _overdue_sale_with([(dealer, 11_000_00)])
    client.force_login(StaffFactory())
    admin_action(client, "/admin/payments/sale/", "cancel_and_offer_second_chance", [sale], reason="Unpaid")
    offer = SecondChanceOffer.objects.get(sale=sale)
    bid(dealer, live_auction(), max_amount_minor=10_000_00)  # committed since the offer was made

    answer = token_client(dealer).post(f"/api/v1/second-chance-offers/{offer.pk}/",
        {"decision": "accept"}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "buying_limit_exceeded"
    assert not Sale.objects.filter(buyer=dealer).exists()


# Admin: the one way a dealer stops buying ---------------------------------------------------------------------------

def test_deactivating_a_dealers_login_or_role_in_admin_is_refused_until_they_are_suspended(client):
    auction = live_auction()
    dealer = DealerFactory(verified=True)
    bid(dealer, auction, amount_minor=10_000_00)
    client.force_login(StaffFactory())
    url = f"/admin/accounts/user/{dealer.pk}/change/"
    form = {"email": dealer.email, "full_name": dealer.full_name, "phone": "", "role": "dealer", "region": "",
            "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00"}
    page = client.post(url, {**form, "is_active": ""})
    assert page.status_code == 200 and "Suspend this dealer first" in page.content.decode()
    page = client.post(url, {**form, "role": "seller", "is_active": "on"})
    assert "Suspend this dealer first" in page.content.decode()
    dealer.refresh_from_db()
    assert dealer.is_active and dealer.role == "dealer"

    suspend(client, dealer)
    client.force_login(StaffFactory())
    assert client.post(url, {**form, "is_active": ""}).status_code == 302
    dealer.refresh_from_db()
    assert not dealer.is_active
    auction.refresh_from_db()
    assert auction.leader_id is None and auction.bid_count == 0
