"""Overdue sales cancelled by staff, and the car offered to the next-highest bidder at their last bid."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.services import dealer_ensure_can_bid
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.transitions import TransitionResult, transition
from marketplace.services import listing_sale_fell_through
from payments.models import Sale, SecondChanceOffer
from payments.selectors import second_chance_candidates
from payments.services.common import (
    Conflict,
    car,
    ensure_staff,
    lock_sale,
    money,
    publish_sale_on_commit,
    tell_on_commit,
)
from payments.services.sales import _sale_create


class OfferExpired(ApplicationError):
    code = "offer_expired"
    status_code = 409

    def default_message(self):
        return "This offer has expired."


def _offer_next(sale: Sale, *, now) -> SecondChanceOffer | None:
    """Offer the car to the best remaining bidder who can still buy; None when nobody is left."""
    for dealer_id, amount in second_chance_candidates(sale=sale):
        dealer = User.objects.get(pk=dealer_id)
        try:
            dealer_ensure_can_bid(user=dealer)
        except ApplicationError:
            continue  # suspended since the auction: skip to the next bidder
        offer = SecondChanceOffer.objects.create(
            sale=sale, dealer=dealer, amount_minor=amount,
            expires_at=now + timedelta(hours=settings.GAVEL_SECOND_CHANCE_HOURS))
        publish_sale_on_commit(sale, "second_chance_offered")
        tell_on_commit([dealer_id], kind="second_chance_offer", sale=None,
                       title=f"Second chance: the {car(sale)} for {money(sale, amount)}",
                       body=f"The winning dealer did not pay. You may buy the car at your last bid within "
                            f"{settings.GAVEL_SECOND_CHANCE_HOURS} hours; see My sales.")
        return offer
    _fell_through(sale)
    return None


def _fell_through(sale: Sale) -> None:
    """Nobody is left to buy the car: it is the seller's again, not sold, and can be put up for auction again."""
    listing_sale_fell_through(listing=sale.listing, reason="The sale fell through: the dealer did not pay and no "
                                                           "other bidder took the car.")
    publish_sale_on_commit(sale, "fell_through")
    tell_on_commit([sale.seller_id], kind="sale_fell_through", sale=sale,
                   title=f"The sale of your {car(sale)} fell through",
                   body="The dealer did not pay and no other bidder took the car. It is yours again, not sold: our "
                        "team will contact you about a new auction.")


def sale_cancel_and_offer_second_chance(*, sale: Sale, actor, reason: str) -> SecondChanceOffer | None:
    """Staff cancel an overdue sale and offer the car to the next-highest bidder (if there is one)."""
    ensure_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": ["Say why the sale is cancelled; both sides see it."]})
    with transaction.atomic():
        sale = lock_sale(sale.pk)
        if sale.status == Sale.Status.CANCELLED:
            return sale.second_chance_offers.filter(status=SecondChanceOffer.Status.PENDING).first()
        if sale.status != Sale.Status.OVERDUE:
            raise Conflict("Only an overdue sale can be cancelled.", code="not_overdue")
        now = db_now()
        transition(sale, Sale.Status.CANCELLED, actor=actor, reason=reason,
                   updates={"cancelled_at": now, "cancel_reason": reason})
        publish_sale_on_commit(sale, "cancelled")
        tell_on_commit([sale.buyer_id], kind="sale_cancelled", sale=sale,
                       title=f"Your purchase of the {car(sale)} was cancelled", body=reason)
        offer = _offer_next(sale, now=now)
        if offer is not None:  # otherwise the seller hears that the sale fell through
            tell_on_commit([sale.seller_id], kind="sale_cancelled", sale=sale,
                           title=f"The dealer did not pay for your {car(sale)}",
                           body="We cancelled the sale and are offering your car to the next-highest bidder.")
        return offer


def _lock_offer(offer: SecondChanceOffer) -> tuple[Sale, SecondChanceOffer]:
    sale = lock_sale(offer.sale_id)
    return sale, SecondChanceOffer.objects.select_for_update().get(pk=offer.pk)


def second_chance_accept(*, offer: SecondChanceOffer, dealer: User) -> Sale:
    """The offered dealer buys the car at their last bid: a new sale awaiting their payment."""
    if offer.dealer_id != getattr(dealer, "pk", None):
        raise PermissionRefused("This offer is not yours.")
    dealer_ensure_can_bid(user=dealer)
    with transaction.atomic():
        sale, offer = _lock_offer(offer)
        if offer.status == SecondChanceOffer.Status.ACCEPTED:
            return offer.new_sale
        if offer.status != SecondChanceOffer.Status.PENDING:
            raise Conflict("This offer is no longer open.", code="offer_closed")
        now = db_now()
        if now >= offer.expires_at:
            raise OfferExpired()
        new_sale = _sale_create(auction=sale.auction, buyer=dealer, hammer_price_minor=offer.amount_minor,
                                second_chance_of=sale)
        transition(offer, SecondChanceOffer.Status.ACCEPTED, actor=dealer, reason="Accepted",
                   updates={"decided_at": now, "new_sale": new_sale})
        publish_sale_on_commit(sale, "second_chance_accepted")
    return new_sale


def second_chance_decline(*, offer: SecondChanceOffer, dealer: User) -> TransitionResult:
    if offer.dealer_id != getattr(dealer, "pk", None):
        raise PermissionRefused("This offer is not yours.")
    with transaction.atomic():
        sale, offer = _lock_offer(offer)
        if offer.status != SecondChanceOffer.Status.PENDING:
            if offer.status == SecondChanceOffer.Status.DECLINED:
                return TransitionResult(False, offer.status, offer.status)
            raise Conflict("This offer is no longer open.", code="offer_closed")
        now = db_now()
        result = transition(offer, SecondChanceOffer.Status.DECLINED, actor=dealer, reason="Declined",
                            updates={"decided_at": now})
        _offer_next(sale, now=now)
    return result


def second_chance_expire_due(*, batch: int | None = None) -> int:
    """Pending offers past their window expire; the next bidder (if any) gets the offer. Bounded, safe twice."""
    batch = batch or settings.GAVEL_SALES_SWEEP_BATCH
    done = 0
    with transaction.atomic():
        now = db_now()
        offers = list(SecondChanceOffer.objects.select_for_update(skip_locked=True)
                      .filter(status=SecondChanceOffer.Status.PENDING, expires_at__lte=now)
                      .order_by("expires_at")[:batch])
        for offer in offers:
            sale, offer = _lock_offer(offer)
            if offer.status == SecondChanceOffer.Status.PENDING and transition(
                    offer, SecondChanceOffer.Status.EXPIRED, reason="No answer within the window",
                    updates={"decided_at": now}).changed:
                done += 1
                _offer_next(sale, now=now)
    return done
