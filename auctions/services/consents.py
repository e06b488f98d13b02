"""The seller's consent to a price below the reserve.

Gavel asks (at the close, or when a second-chance offer would be below the reserve) and records the seller's own
answer; nobody else answers for them, and every question has a deadline after which it counts as declined. The
rule that uses the answers — no sale below the reserve without an accepted consent for its price and buyer —
lives where sales are made (payments.services.sales), reading `auctions.selectors.seller_consent_accepted`.

Locks: a consent row is locked after the auction row (close decisions) or after the sale row (second chances),
never before either.
"""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from auctions.models import Auction, SellerConsent
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused
from core.transitions import TransitionResult, transition


class ConsentNotFound(ApplicationError):
    code = "not_found"
    status_code = 404

    def default_message(self):
        return _("No such decision.")


class ConsentNotPending(ApplicationError):
    code = "no_decision_pending"
    status_code = 409

    def default_message(self):
        return _("This decision has already been made.")


class ConsentExpired(ApplicationError):
    code = "decision_expired"
    status_code = 409

    def default_message(self):
        return _("The time to decide has passed; the offer was declined automatically.")


def seller_consent_request(*, auction: Auction, dealer_id: int, amount_minor: int, source: str, now: datetime,
                           deadline: datetime, requested_by: User | None = None) -> SellerConsent:
    """Ask the seller whether they sell at `amount_minor` (below the reserve) to `dealer_id`, by `deadline`.

    The caller holds the auction's (or the sale's) lock and tells the seller, with its own words and link."""
    assert auction.reserve_minor is not None  # a yes is asked only below a reserve
    return SellerConsent.objects.create(
        auction=auction, dealer_id=dealer_id, amount_minor=amount_minor, reserve_minor=auction.reserve_minor,
        source=source, deadline=deadline, created_at=now,
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None)


def seller_consent_lock(consent_id) -> SellerConsent:
    try:
        return SellerConsent.objects.select_for_update(of=("self",)).select_related("auction__listing").get(
            pk=int(consent_id))
    except (SellerConsent.DoesNotExist, TypeError, ValueError):
        raise ConsentNotFound() from None


def seller_consent_check_decidable(consent: SellerConsent, *, seller: User, now: datetime) -> None:
    """Raise unless `seller` may answer this (locked) consent now: only the car's seller, only while pending,
    only before the deadline."""
    if consent.auction.listing.seller_id != getattr(seller, "pk", None):
        raise PermissionRefused(_("Only the seller of this car may decide."))
    if consent.status != SellerConsent.Status.PENDING:
        raise ConsentNotPending()
    if now >= consent.deadline:
        raise ConsentExpired()


def seller_consent_settle(consent: SellerConsent, *, to: str, actor: User | None, reason: str,
                          now: datetime | None = None) -> TransitionResult:
    """Record the answer on a locked, pending consent (accepted or declined by the seller, expired, withdrawn)."""
    if to == SellerConsent.Status.ACCEPTED and (actor is None or consent.auction.listing.seller_id != actor.pk):
        raise PermissionRefused(_("Only the seller of this car may accept a price below the reserve."))
    now = now or db_now()
    decider = actor if getattr(actor, "is_authenticated", False) else None
    return transition(consent, to, actor=decider, reason=reason, updates={"decided_at": now, "decided_by": decider},
                      data={"amount_minor": consent.amount_minor, "dealer_id": consent.dealer_id})


def seller_consent_record(*, auction: Auction, dealer_id: int, amount_minor: int, seller: User,
                          now: datetime) -> SellerConsent:
    """The seller accepts the top bid at the close: settle the question the close asked (under the auction lock).

    An auction closed before consents were recorded has none to settle: the seller's yes is recorded anew."""
    consent = (SellerConsent.objects.select_for_update()
               .filter(auction=auction, source=SellerConsent.Source.CLOSE, status=SellerConsent.Status.PENDING)
               .select_related("auction__listing").first())
    if consent is None:
        assert auction.reserve_minor is not None  # a yes is asked only below a reserve
        with transaction.atomic():
            consent = SellerConsent.objects.create(
                auction=auction, dealer_id=dealer_id, amount_minor=amount_minor, reserve_minor=auction.reserve_minor,
                source=SellerConsent.Source.CLOSE, deadline=auction.decision_deadline or now, created_at=now)
    consent.auction = auction
    seller_consent_settle(consent, to=SellerConsent.Status.ACCEPTED, actor=seller, reason="Seller accepted", now=now)
    return consent


def seller_consent_close_settle(*, auction: Auction, to: str, actor: User | None, reason: str, now: datetime) -> None:
    """Decline (or expire) the close's question together with the auction's outcome, under the auction lock."""
    for consent in (SellerConsent.objects.select_for_update()
                    .filter(auction=auction, source=SellerConsent.Source.CLOSE, status=SellerConsent.Status.PENDING)
                    .select_related("auction__listing")):
        seller_consent_settle(consent, to=to, actor=actor, reason=reason, now=now)
