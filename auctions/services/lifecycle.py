"""Scheduling, starting, closing, the seller's decision and cancelling. Every status or outcome change goes
through core.transitions.transition() (audited, compare-and-swap, idempotent); side effects run on commit.

The listing goes `approved → in_auction` when its auction is *scheduled*, so a car with a booked auction
cannot be withdrawn or scheduled twice; a cancelled auction returns it to `approved`.
"""

import logging
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import dealer_ensure_can_bid, staff_ensure
from auctions.events import auction_publish_on_commit
from auctions.models import Auction, SavedSearchMatch, SellerConsent, Watch
from auctions.services.auction_log import (
    auction_log_closed,
    auction_log_opened,
    auction_log_sale_void,
    auction_log_seller_decision,
)
from auctions.services.common import (
    AuctionNotFound,
    DecisionExpired,
    NoDecisionPending,
    TopBidderCannotBuy,
    auction_dealer_notify,
    auction_result_webhooks,
    lock_auction,
)
from auctions.services.consents import (
    seller_consent_close_settle,
    seller_consent_record,
    seller_consent_request,
)
from auctions.services.counters import CounterOfferPending, counter_offer_expire_locked, counter_offer_pending
from auctions.services.saved_searches import saved_searches_announce_on_commit
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import Translatable, money_whole, translatable
from core.money import AMOUNT_MAX_MINOR, amount_too_large_message
from core.notifications import notify
from core.sweeps import sweep
from core.transitions import TransitionResult, transition
from inspections.selectors import report_current_for_listing
from marketplace.models import Listing

logger = logging.getLogger(__name__)


def _car(auction: Auction) -> str:
    return auction.listing.display_title


def auction_schedule(*, listing: Listing, actor: User, starts_at: datetime, starting_price_minor: int,
                     duration_minutes: int | None = None) -> Auction:
    """Book an approved car into an auction. Starts at once if `starts_at` has already come. The auction keeps the
    car's current published report revision (under the listing's row lock, which publishing takes too)."""
    staff_ensure(actor)
    duration = settings.GAVEL_AUCTION_DEFAULT_MINUTES if duration_minutes is None else duration_minutes
    errors = {}
    if isinstance(duration, bool) or not isinstance(duration, int) or not 1 <= duration <= 7 * 24 * 60:
        errors["duration_minutes"] = [_("Between 1 minute and 7 days.")]
    if isinstance(starting_price_minor, bool) or not isinstance(starting_price_minor, int) or \
            not 0 < starting_price_minor <= AMOUNT_MAX_MINOR:
        errors["starting_price_minor"] = [_("A positive whole amount in minor units. %(limit)s")
                                          % {"limit": amount_too_large_message()}]
    if starts_at is None or starts_at.tzinfo is None:
        errors["starts_at"] = [_("A date and time with a time zone.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status != Listing.Status.APPROVED:
            raise ApplicationError(_("Only an approved car can be scheduled; this one is %(status)s.")
                                   % {"status": locked.get_status_display()},
                                   code="listing_not_approved", fields={"listing": [_("Not approved.")]})
        try:
            with transaction.atomic():
                auction = Auction.objects.create(
                    listing=locked, status=Auction.Status.SCHEDULED, starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=duration), duration_minutes=duration,
                    starting_price_minor=starting_price_minor, reserve_minor=locked.reserve_minor,
                    scheduled_by=actor, report=report_current_for_listing(listing_id=locked.pk))
        except IntegrityError:
            raise ApplicationError(_("This car already has an open auction."), code="auction_exists") from None
        transition(locked, Listing.Status.IN_AUCTION, actor=actor, reason=f"Auction {auction.pk} scheduled",
                   updates={"status_changed_at": db_now()})
        saved_searches_announce_on_commit(auction_id=auction.pk, stage=SavedSearchMatch.Stage.SCHEDULED)
    auction_start(auction=auction)
    auction.refresh_from_db()
    return auction


def auction_start(*, auction: Auction) -> TransitionResult | None:
    """scheduled → live once the database clock reaches `starts_at`; does nothing before, or twice."""
    with transaction.atomic():
        locked = lock_auction(auction.pk)
        now = db_now()
        if locked.status != Auction.Status.SCHEDULED or now < locked.starts_at:
            return None
        auction_log_opened(locked, now=now)
        result = transition(locked, Auction.Status.LIVE, reason="Start time reached",
                            updates={"event_seq": locked.event_seq + 1, "log_seq": locked.log_seq})
        auction_publish_on_commit(locked, "started")
        if result.changed:
            saved_searches_announce_on_commit(auction_id=locked.pk, stage=SavedSearchMatch.Stage.LIVE)
    return result


def _sold_updates(auction: Auction) -> dict:
    return {"outcome": Auction.Outcome.SOLD, "winner_id": auction.leader_id, "hammer_price_minor": auction.price_minor,
            "owed_by_id": auction.leader_id, "owed_minor": auction.price_minor}


def _sold_effects(auction: Auction) -> list:
    """On commit: tell the seller and the winner. (The sale is settlement's: payments.services.settlement opens it.)"""
    auction_id = auction.pk
    assert auction.price_minor is not None  # sold: there is a price
    car, price = _car(auction), money_whole(auction.price_minor)
    seller_id, winner_id = auction.listing.seller_id, auction.leader_id
    assert winner_id is not None  # sold: there is a leader
    url = reverse("auctions:detail", args=[auction_id])

    def tell():
        seller = User.objects.get(pk=seller_id)
        notify(user=seller, kind="auction_sold", title=translatable("Your {car} is sold for {price}", car=car,
                                                                     price=price), url=url,
               body=translatable("A verified dealer bought your car. We will guide you through payment and handover."),
               event_key=f"auction:{auction_id}:sold")
        auction_dealer_notify(auction_id=auction_id, dealer_id=winner_id, kind="auction_won",
                              title=translatable("You won the {car} for {price}", car=car, price=price), url=url,
                              body=translatable("Congratulations. Your invoice and the handover steps follow."),
                              event_key=f"auction:{auction_id}:sold")
        auction_result_webhooks(auction_id=auction_id, winner_id=winner_id)

    return [tell]


def auction_close(*, auction_id: int) -> TransitionResult | None:
    """Close a live auction whose end has passed (by the database clock) and decide its outcome.

    Safe to call any number of times, from the ETA task and the sweeper at once: the row lock
    serialises them, and the second finds it closed. An auction extended by a late bid is "not yet"."""
    with transaction.atomic():
        try:
            auction = lock_auction(auction_id)
        except AuctionNotFound:
            return None
        if auction.status != Auction.Status.LIVE:
            return None
        now = db_now()
        if now < auction.ends_at:
            return None
        listing = auction.listing
        updates = {"closed_at": now, "event_seq": auction.event_seq + 1}
        if auction.bid_count == 0:
            updates["outcome"] = Auction.Outcome.NO_BIDS
            listing_to = Listing.Status.UNSOLD
        elif auction.reserve_met:
            updates.update(_sold_updates(auction))
            listing_to = Listing.Status.SOLD
        else:
            deadline = now + timedelta(hours=settings.GAVEL_SELLER_DECISION_HOURS)
            updates.update(outcome=Auction.Outcome.AWAITING_SELLER, decision_deadline=deadline)
            listing_to = None
            assert auction.leader_id is not None and auction.price_minor is not None  # it has bids
            seller_consent_request(auction=auction, dealer_id=auction.leader_id, amount_minor=auction.price_minor,
                                   source=SellerConsent.Source.CLOSE, now=now, deadline=deadline)
        outcome = cast(str, updates["outcome"])  # an Auction.Outcome, set in every branch above
        if auction_log_closed(auction, outcome=outcome, now=now):
            updates["log_seq"] = auction.log_seq
        result = transition(auction, Auction.Status.CLOSED, reason="End time reached", updates=updates,
                            on_commit=[lambda: _closed_effects_later(auction_id=auction.pk, outcome=outcome)],
                            data={"outcome": outcome, "price_minor": auction.price_minor})
        if listing_to:
            transition(listing, listing_to, reason=f"Auction {auction.pk} closed: {outcome}",
                       updates={"status_changed_at": now})
        auction_publish_on_commit(auction, "closed")
    return result


def _closed_effects_later(*, auction_id: int, outcome: str) -> None:
    """Hand the close's effects to a worker of the default queue, so the closer goes straight on to the next
    auction (in-process when notifications are not asynchronous: tests, the embedded first run)."""
    if settings.GAVEL_NOTIFY_ASYNC:
        from auctions.tasks import auction_closed_effects_task

        auction_closed_effects_task.delay(auction_id=auction_id, outcome=outcome)
    else:
        auction_closed_effects(auction_id=auction_id, outcome=outcome)


def auction_closed_effects(*, auction_id: int, outcome: str) -> None:
    """After a close has committed: tell the seller (and the winner) the outcome."""
    auction = Auction.objects.select_related("listing").get(pk=auction_id)
    if outcome == Auction.Outcome.SOLD:
        effects = _sold_effects(auction)
    elif outcome == Auction.Outcome.NO_BIDS:
        effects = [_tell_seller(auction, "auction_no_bids", translatable("No bids on your {car}", car=_car(auction)),
                                translatable("Nobody bid this time. Our team will contact you about relisting."),
                                event_key=f"auction:{auction_id}:no_bids")]
    else:
        effects = [_tell_seller(
            auction, "auction_decision_needed", translatable("Decide on the top bid for your {car}", car=_car(auction)),
            translatable("The highest bid, {price}, is below your reserve. Accept or decline it within {hours} hours; "
                         "after that it is declined automatically.", price=money_whole(auction.price_minor or 0),
                         hours=settings.GAVEL_SELLER_DECISION_HOURS),
            event_key=f"auction:{auction_id}:decision_needed")]
    for effect in effects:
        effect()


def _tell_seller(auction: Auction, kind: str, title: Translatable, body: Translatable, *, event_key: str):
    seller_id, url = auction.listing.seller_id, reverse("auctions:detail", args=[auction.pk])

    def send():
        notify(user=User.objects.get(pk=seller_id), kind=kind, title=title, body=body, url=url, event_key=event_key)

    return send


def auction_decide(*, auction_id: int, seller: User, accept: bool, reason: str = "") -> TransitionResult:
    """The seller accepts or declines a below-reserve top bid, before the deadline. Accepting records the seller's
    consent to that price; it is refused when the top bidder may no longer buy (declining is then free)."""
    with transaction.atomic():
        seen = Auction.objects.filter(pk=auction_id).values("listing__seller_id", "leader_id").first()
        if seen is None:
            raise AuctionNotFound()
        if seen["listing__seller_id"] != getattr(seller, "pk", None):
            raise PermissionRefused(_("Only the seller of this car may decide."))
        if accept and seen["leader_id"] is not None:
            # Lock order: the dealer's profile before the auction. Held until commit, so the top bidder cannot
            # be suspended between this check and the sale opening.
            _ensure_can_buy(seen["leader_id"])
        auction = lock_auction(auction_id)
        if auction.outcome != Auction.Outcome.AWAITING_SELLER:
            raise NoDecisionPending()
        if counter_offer_pending(auction=auction) is not None:
            raise CounterOfferPending()
        now = db_now()
        if auction.decision_deadline and now >= auction.decision_deadline:
            raise DecisionExpired()
        return _decide(auction, accept=accept, actor=seller, now=now,
                       reason=reason or ("Seller accepted" if accept else "Seller declined"))


def _ensure_can_buy(dealer_id: int) -> None:
    dealer = User.objects.filter(pk=dealer_id).first()
    if dealer is None:
        raise TopBidderCannotBuy()
    try:
        dealer_ensure_can_bid(user=dealer, lock=True)
    except (ApplicationError, AttributeError):
        raise TopBidderCannotBuy() from None


def _decide(auction: Auction, *, accept: bool, actor, now, reason: str) -> TransitionResult:
    listing = auction.listing
    updates = {"decided_at": now, "event_seq": auction.event_seq + 1}
    if accept:
        assert auction.leader_id is not None and auction.price_minor is not None  # awaiting the seller: it has bids
        seller_consent_record(auction=auction, dealer_id=auction.leader_id, amount_minor=auction.price_minor,
                              seller=actor, now=now)
        updates.update(_sold_updates(auction))
        effects = _sold_effects(auction)
        to, listing_to = Auction.Outcome.SOLD, Listing.Status.SOLD
    else:
        seller_consent_close_settle(
            auction=auction, actor=actor, reason=reason, now=now,
            to=SellerConsent.Status.DECLINED if actor is not None else SellerConsent.Status.EXPIRED)
        effects = [_tell_leader_declined(auction)]
        to, listing_to = Auction.Outcome.UNSOLD, Listing.Status.UNSOLD
    updates.pop("outcome", None)
    result = transition(auction, to, field="outcome", actor=actor,
                        reason=reason, updates=updates, on_commit=effects)
    if result.changed:
        auction_log_seller_decision(auction, sold=accept, by_seller=actor is not None, now=now)
        transition(listing, listing_to, actor=actor, reason=f"Auction {auction.pk}: {reason}",
                   updates={"status_changed_at": now})
        auction_publish_on_commit(auction, "decided")
    return result


def _tell_leader_declined(auction: Auction):
    leader_id, car, auction_id = auction.leader_id, _car(auction), auction.pk
    assert leader_id is not None  # declined: there was a top bid
    url = reverse("auctions:detail", args=[auction.pk])

    def send():
        auction_dealer_notify(auction_id=auction_id, dealer_id=leader_id, kind="auction_declined", url=url,
                              title=translatable("The seller did not accept your bid on the {car}", car=car),
                              body=translatable("Your top bid stayed below the seller's reserve and was not accepted."),
                              event_key=f"auction:{auction_id}:declined")

    return send


def auction_sale_void(*, auction_id: int, reason: str, reason_code: str) -> TransitionResult | None:
    """A sold car whose winner lost the right to buy before its sale could open (suspended between the close and
    the sale): not sold after all, and logged (`sale_void`, with `reason_code`). The car can be offered again; the
    seller is told. The caller holds the winner's profile lock (lock order: dealer profile, then auction)."""
    with transaction.atomic():
        auction = lock_auction(auction_id)
        if auction.outcome != Auction.Outcome.SOLD:
            return None
        seller_id, car, url = auction.listing.seller_id, _car(auction), reverse("auctions:detail", args=[auction.pk])

        def tell():
            notify(user=User.objects.get(pk=seller_id), kind="auction_sale_void", url=url,
                   title=translatable("Your {car} was not sold after all", car=car),
                   body=translatable("The winning dealer's account was suspended before the sale opened, so nothing "
                                     "is sold and nothing is charged to you. Your car can be offered again: our team "
                                     "will contact you."),
                   event_key=f"auction:{auction_id}:sale_void")

        now = db_now()
        if auction.winner_id is not None:
            auction_log_sale_void(auction, winner_id=auction.winner_id, reason_code=reason_code, now=now)
        result = transition(auction, Auction.Outcome.UNSOLD, field="outcome",
                            reason=reason, on_commit=[tell],
                            updates={"decided_at": now, "event_seq": auction.event_seq + 1, "winner": None,
                                     "log_seq": auction.log_seq,
                                     "hammer_price_minor": None, "owed_by": None, "owed_minor": None},
                            data={"winner_id": auction.winner_id, "hammer_price_minor": auction.hammer_price_minor})
        if result.changed:
            transition(auction.listing, Listing.Status.UNSOLD, reason=f"Auction {auction.pk}: {reason}",
                       updates={"status_changed_at": now})
            auction_publish_on_commit(auction, "decided")
        return result


def auction_decisions_expire(*, batch: int = 100) -> int:
    """Decline every awaiting decision whose deadline passed. Bounded; safe to run concurrently."""
    def decline(auction_id: int) -> bool:
        auction = lock_auction(auction_id)
        now = db_now()
        if auction.outcome != Auction.Outcome.AWAITING_SELLER or not auction.decision_deadline \
                or auction.decision_deadline > now:
            return False
        if counter_offer_expire_locked(auction=auction, now=now):
            return True
        return _decide(auction, accept=False, actor=None, now=now,
                       reason="No decision within the window: declined automatically").changed

    return sweep(Auction.objects.filter(outcome=Auction.Outcome.AWAITING_SELLER, decision_deadline__lte=db_now())
                 .order_by("decision_deadline"), decline, batch=batch)


def auction_cancel(*, auction_id: int, actor: User, reason: str) -> TransitionResult:
    """Staff stop a scheduled or live auction; the car goes back to approved."""
    staff_ensure(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the auction is cancelled; the seller will see it.")]})
    with transaction.atomic():
        auction = lock_auction(auction_id)
        if auction.status == Auction.Status.CANCELLED:
            return TransitionResult(False, auction.status, auction.status)
        seller_id, car, url = auction.listing.seller_id, _car(auction), reverse("auctions:detail", args=[auction.pk])

        auction_pk = auction.pk

        def tell():
            notify(user=User.objects.get(pk=seller_id), kind="auction_cancelled",
                   title=translatable("The auction of your {car} was cancelled", car=car), body=reason, url=url,
                   event_key=f"auction:{auction_pk}:cancelled")

        result = transition(auction, Auction.Status.CANCELLED, actor=actor, reason=reason, on_commit=[tell],
                            updates={"outcome": Auction.Outcome.CANCELLED, "cancel_reason": reason,
                                     "closed_at": db_now(), "event_seq": auction.event_seq + 1})
        transition(auction.listing, Listing.Status.APPROVED, actor=actor, reason=f"Auction {auction.pk} cancelled",
                   updates={"status_changed_at": db_now()})
        auction_publish_on_commit(auction, "cancelled")
    return result


def watch_add(*, auction: Auction, dealer: User) -> Watch:
    if dealer.role != User.Role.DEALER:
        raise PermissionRefused(_("Only dealers keep a watchlist."), code="not_a_dealer")
    watch, _created = Watch.objects.get_or_create(auction=auction, dealer=dealer)
    return watch


def watch_remove(*, auction: Auction, dealer: User) -> None:
    Watch.objects.filter(auction=auction, dealer=dealer).delete()


def auction_obligation_set(*, auction_id: int, buyer_id: int, amount_minor: int) -> None:
    """Settlement says who owes this car's price now (a sale opened for them) and how much: it counts against their
    buying limit until their money arrives. Call in the sale's transaction, holding the buyer's profile lock."""
    Auction.objects.filter(pk=auction_id).update(owed_by_id=buyer_id, owed_minor=amount_minor)


def auction_obligation_clear(*, auction_id: int) -> None:
    """Settlement says nobody owes this car's price any more: the money arrived, or the sale was cancelled."""
    Auction.objects.filter(pk=auction_id).update(owed_by=None, owed_minor=None)
