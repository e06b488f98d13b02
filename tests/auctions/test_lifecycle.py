"""Scheduling, starting, closing, the seller's decision, cancelling: outcomes, audit rows, side effects."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from auctions import services
from auctions.models import Auction
from core import events as core_events
from core.exceptions import ApplicationError
from core.models import AuditLog, Notification
from marketplace.models import Listing
from tests.accounts.factories import DealerFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import ApprovedListingFactory, make_auction

# Real commits: notifications, emails and signals are on-commit side effects.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def close_now(auction):
    move_end(auction, seconds_from_now=-1)
    result = services.auction_close(auction_id=auction.pk)
    auction.refresh_from_db()
    auction.listing.refresh_from_db()
    return result


def test_scheduling_copies_the_reserve_and_books_the_car(staff):
    listing = ApprovedListingFactory(reserve_minor=9_999_00)
    auction = services.auction_schedule(listing=listing, actor=staff, starts_at=timezone.now() + timedelta(hours=1),
                                        starting_price_minor=5_000_00)
    listing.refresh_from_db()
    assert auction.status == Auction.Status.SCHEDULED and auction.reserve_minor == 9_999_00
    assert auction.duration_minutes == 20 and auction.ends_at - auction.starts_at == timedelta(minutes=20)
    assert listing.status == Listing.Status.IN_AUCTION


def test_only_approved_cars_by_staff_can_be_scheduled(staff, dealer):
    with pytest.raises(ApplicationError) as refused:
        services.auction_schedule(listing=ApprovedListingFactory(status=Listing.Status.INSPECTED), actor=staff,
                                  starts_at=timezone.now(), starting_price_minor=1_000_00)
    assert refused.value.code == "listing_not_approved"
    with pytest.raises(ApplicationError) as refused:
        services.auction_schedule(listing=ApprovedListingFactory(), actor=dealer, starts_at=timezone.now(),
                                  starting_price_minor=1_000_00)
    assert refused.value.code == "permission_denied"


def test_a_scheduled_auction_goes_live_at_its_start_once(staff):
    auction = make_auction(starts_at=timezone.now() + timedelta(hours=1))
    assert services.auction_start(auction=auction) is None
    Auction.objects.filter(pk=auction.pk).update(starts_at=timezone.now() - timedelta(seconds=1))
    assert services.auction_start(auction=auction).changed
    assert services.auction_start(auction=auction) is None
    assert AuditLog.objects.for_object(auction).filter(to_state="live").count() == 1


def test_closing_before_the_end_does_nothing(auction):
    assert services.auction_close(auction_id=auction.pk) is None
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE


def test_no_bids_closes_as_no_bids_and_the_car_is_unsold(auction):
    close_now(auction)
    assert (auction.status, auction.outcome) == ("closed", "no_bids")
    assert auction.listing.status == Listing.Status.UNSOLD
    assert Notification.objects.filter(user=auction.listing.seller, kind="auction_no_bids").exists()


def test_reserve_met_sells_to_the_leader_who_owes_the_price_and_tells_both(auction, dealer):
    services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=12_000_00)
    with_callbacks = close_now(auction)
    assert with_callbacks.changed
    assert (auction.outcome, auction.winner_id, auction.hammer_price_minor) == ("sold", dealer.pk, 12_000_00)
    assert auction.listing.status == Listing.Status.SOLD
    # From the hammer until their money arrives the price counts against the winner's buying limit (settlement
    # opens the sale: payments.services.settlement, tested in tests/payments).
    assert (auction.owed_by_id, auction.owed_minor) == (dealer.pk, 12_000_00)
    kinds = set(Notification.objects.values_list("user_id", "kind"))
    assert {(dealer.pk, "auction_won"), (auction.listing.seller_id, "auction_sold")} <= kinds
    auction_mail = [m for m in mail.outbox if not m.subject.startswith("Your invoice")]
    assert sorted(m.to[0] for m in auction_mail) == sorted([dealer.email, auction.listing.seller.email])


def test_closing_twice_closes_once_with_one_audit_row(auction, dealer):
    services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=12_000_00)
    close_now(auction)
    assert services.auction_close(auction_id=auction.pk) is None
    assert AuditLog.objects.for_object(auction).filter(to_state="closed").count() == 1


def test_below_reserve_waits_for_the_seller_who_may_accept(auction, dealer):
    services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=11_000_00)
    close_now(auction)
    assert auction.outcome == "awaiting_seller" and auction.listing.status == Listing.Status.IN_AUCTION
    assert auction.decision_deadline - auction.closed_at == timedelta(hours=24)
    services.auction_decide(auction_id=auction.pk, seller=auction.listing.seller, accept=True)
    auction.refresh_from_db()
    auction.listing.refresh_from_db()
    assert (auction.outcome, auction.winner_id, auction.hammer_price_minor) == ("sold", dealer.pk, 11_000_00)
    assert auction.listing.status == Listing.Status.SOLD
    with pytest.raises(ApplicationError) as refused:
        services.auction_decide(auction_id=auction.pk, seller=auction.listing.seller, accept=False)
    assert refused.value.code == "no_decision_pending"


def test_the_seller_may_decline_and_only_the_seller_decides(auction, dealer):
    services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=11_000_00)
    close_now(auction)
    with pytest.raises(ApplicationError) as refused:
        services.auction_decide(auction_id=auction.pk, seller=dealer, accept=True)
    assert refused.value.code == "permission_denied"
    services.auction_decide(auction_id=auction.pk, seller=auction.listing.seller, accept=False)
    auction.refresh_from_db()
    auction.listing.refresh_from_db()
    assert auction.outcome == "unsold" and auction.winner_id is None
    assert auction.listing.status == Listing.Status.UNSOLD
    assert Notification.objects.filter(user=dealer, kind="auction_declined").exists()


def test_an_expired_decision_is_declined_automatically(auction, dealer):
    services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=11_000_00)
    close_now(auction)
    Auction.objects.filter(pk=auction.pk).update(decision_deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ApplicationError) as refused:
        services.auction_decide(auction_id=auction.pk, seller=auction.listing.seller, accept=True)
    assert refused.value.code == "decision_expired"
    assert services.auction_decisions_expire() == 1
    assert services.auction_decisions_expire() == 0
    auction.refresh_from_db()
    assert auction.outcome == "unsold"


def test_staff_cancel_with_a_reason_and_the_car_returns_to_approved(auction, staff, dealer):
    with pytest.raises(ApplicationError):
        services.auction_cancel(auction_id=auction.pk, actor=dealer, reason="no")
    with pytest.raises(ApplicationError):
        services.auction_cancel(auction_id=auction.pk, actor=staff, reason=" ")
    services.auction_cancel(auction_id=auction.pk, actor=staff, reason="Seller sold it elsewhere")
    auction.refresh_from_db()
    auction.listing.refresh_from_db()
    assert (auction.status, auction.outcome) == ("cancelled", "cancelled")
    assert auction.listing.status == Listing.Status.APPROVED
    with pytest.raises(ApplicationError) as refused:
        services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=10_000_00)
    assert refused.value.code == "auction_not_live"


def test_events_go_out_on_commit_with_a_dealer_safe_snapshot(auction, dealers, monkeypatch):
    sent = []

    def send_to_groups(messages):
        sent.extend(messages)
        return True

    monkeypatch.setattr(core_events, "send_to_groups", send_to_groups)

    a, b = dealers(2)
    services.bid_place(auction_id=auction.pk, dealer=a, max_amount_minor=13_000_00)
    services.bid_place(auction_id=auction.pk, dealer=b, amount_minor=12_500_00)
    close_now(auction)
    events = [{"kind": frame["kind"], "event_seq": frame["event_seq"], "snapshot": frame}
              for group, frame in sent if group == core_events.auction_group(auction.pk)]
    assert [e["kind"] for e in events] == ["bid", "bid", "closed"]
    assert [e["event_seq"] for e in events] == sorted(e["event_seq"] for e in events)
    snapshot = events[1]["snapshot"]
    assert snapshot["price_minor"] == 12_600_00 and snapshot["leader_label"] == "Dealer 1"
    assert [bid["label"] for bid in snapshot["new_bids"]] == ["Dealer 2", "Dealer 1"]
    text = repr(events)
    assert "13000" not in text.replace("_", "") and "1300000" not in text
    assert "reserve_minor" not in text and str(a.pk) not in repr([e["snapshot"]["new_bids"] for e in events])


def test_watching_is_idempotent(auction, dealer):
    services.watch_add(auction=auction, dealer=dealer)
    services.watch_add(auction=auction, dealer=dealer)
    assert auction.watches.count() == 1
    services.watch_remove(auction=auction, dealer=dealer)
    assert auction.watches.count() == 0
    with pytest.raises(ApplicationError):
        services.watch_add(auction=auction, dealer=DealerFactory.build(role="seller"))


def test_a_close_task_also_closes_every_other_overdue_auction(staff):
    """When the closer's queue backs up, whichever close task runs first sweeps up the rest that are due."""
    from payments.tasks import auction_close_task

    mine, overdue, later = (make_auction(staff=staff) for _ in range(3))
    move_end(mine, seconds_from_now=-1)
    move_end(overdue, seconds_from_now=-5)
    move_end(later, seconds_from_now=600)
    auction_close_task(mine.pk)
    statuses = dict(Auction.objects.values_list("pk", "status"))
    assert statuses == {mine.pk: "closed", overdue.pk: "closed", later.pk: "live"}
