"""A sale that falls through unpaid, and the car offered to the next-highest bidder at their last bid.

Who is offered the car: the best remaining bidder of the auction who may buy now (verified, active) and whom the
price would not take over their buying limit. At or above the reserve the offer goes straight to them. Below the
reserve the seller is asked first (a decision with its own deadline, GAVEL_SELLER_CONSENT_HOURS): the offer waits
and reaches the dealer only after the seller's yes. The seller's no, or no answer in time, ends the second chances:
every remaining bid is lower still, so asking again would only repeat the question; the car can be offered again
(the listing goes back to unsold, and our team relists it).

When nobody is left to offer it to, the same happens: the car is unsold and can be offered again.

Lock order: the dealer's profile (when a dealer acts), then the sale, then its offer, then the offer's consent.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import dealer_profiles_lock, staff_ensure
from auctions.models import SellerConsent
from auctions.selectors import dealer_committed_minor
from auctions.services import (
    BuyingLimitExceeded,
    ConsentNotFound,
    auction_obligation_clear,
    seller_consent_check_decidable,
    seller_consent_lock,
    seller_consent_request,
    seller_consent_settle,
)
from auctions.services.auction_log import auction_log_second_chance_offer
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import Translatable, translatable
from core.money import Money
from core.sweeps import sweep
from core.transitions import TransitionResult, transition
from marketplace.models import Listing
from marketplace.services import listing_sale_fell_through
from payments.fee_schedule import fee_schedule_load, unpaid_sale_fee
from payments.models import LedgerTransaction, Sale, SecondChanceOffer
from payments.selectors import second_chance_candidates
from payments.services.common import (
    Conflict,
    car,
    lock_sale,
    publish_sale_on_commit,
    tell_on_commit,
)
from payments.services.deposits import deposit_charge
from payments.services.sales import _sale_create, sale_buyer_lock, sale_terms

logger = logging.getLogger(__name__)


class OfferExpired(ApplicationError):
    code = "offer_expired"
    status_code = 409

    def default_message(self):
        return _("This offer has expired.")


def _may_be_offered(dealer: User, amount_minor: int) -> bool:
    """Allowed to buy now, and the price fits in what is left of their buying limit."""
    profile = getattr(dealer, "dealer_profile", None)
    if profile is None or not profile.can_bid:
        return False
    return dealer_committed_minor(dealer=dealer) + amount_minor <= profile.buying_limit_minor


def _offer_next(sale: Sale, *, now, actor=None) -> SecondChanceOffer | None:
    """Offer the car to the best remaining bidder who may buy it; below the reserve, ask the seller first. Nobody
    left: the car can be offered again. The caller holds the sale's lock."""
    auction = sale.auction
    for dealer_id, amount in second_chance_candidates(sale=sale):
        dealer = User.objects.select_related("dealer_profile").get(pk=dealer_id)
        if not _may_be_offered(dealer, amount):
            continue  # suspended, or over their limit since the auction: the next bidder
        if auction.reserve_minor is not None and amount < auction.reserve_minor:
            deadline = now + timedelta(hours=settings.GAVEL_SELLER_CONSENT_HOURS)
            consent = seller_consent_request(auction=auction, dealer_id=dealer_id, amount_minor=amount,
                                             source=SellerConsent.Source.SECOND_CHANCE, now=now, deadline=deadline,
                                             requested_by=actor)
            offer = SecondChanceOffer.objects.create(sale=sale, dealer=dealer, amount_minor=amount, consent=consent,
                                                     status=SecondChanceOffer.Status.AWAITING_SELLER,
                                                     expires_at=deadline)
            receives = sale_terms(hammer_price_minor=amount)["seller_receives_minor"]
            publish_sale_on_commit(sale, "seller_consent_needed")
            tell_on_commit([sale.seller_id], kind="seller_consent_needed", sale=sale,
                           event_key=f"consent:{consent.pk}:asked",
                           title=translatable("Decide: sell your {car} for {amount}?", car=car(sale),
                                              amount=Money(amount, sale.currency)),
                           body=translatable("The next-highest bidder offered {amount}, below your reserve of "
                                             "{reserve}. You would receive {receives}. Nobody is offered your car "
                                             "below the reserve without your yes: accept or decline by the deadline "
                                             "on the sale page, or it counts as declined and your car can be offered "
                                             "again.", amount=Money(amount, sale.currency),
                                             reserve=Money(auction.reserve_minor, sale.currency),
                                             receives=Money(receives, sale.currency)))
            return offer
        return _offer_to_dealer(sale, dealer=dealer, amount_minor=amount, now=now)
    _car_back_on_offer(sale, now=now, reason=translatable("No other bidder can buy the car"))
    return None


def _offer_to_dealer(sale: Sale, *, dealer: User, amount_minor: int, now,
                     offer: SecondChanceOffer | None = None) -> SecondChanceOffer:
    expires_at = now + timedelta(hours=settings.GAVEL_SECOND_CHANCE_HOURS)
    if offer is None:
        offer = SecondChanceOffer.objects.create(sale=sale, dealer=dealer, amount_minor=amount_minor,
                                                 expires_at=expires_at)
    else:
        transition(offer, SecondChanceOffer.Status.PENDING, reason="The seller agreed to the price",
                   updates={"expires_at": expires_at})
    auction_log_second_chance_offer(auction_id=sale.auction_id, dealer_id=dealer.pk, amount_minor=amount_minor, now=now)
    publish_sale_on_commit(sale, "second_chance_offered")
    tell_on_commit([dealer.pk], kind="second_chance_offer", sale=None, event_key=f"offer:{offer.pk}:made",
                   url=reverse("payments:list"), auction_id=sale.auction_id,
                   title=translatable("Second chance: the {car} for {amount}", car=car(sale),
                                      amount=Money(amount_minor, sale.currency)),
                   body=translatable("The winning dealer did not pay. You may buy the car at your last bid within "
                                     "{hours} hours; see My sales.", hours=settings.GAVEL_SECOND_CHANCE_HOURS))
    return offer


def _car_back_on_offer(sale: Sale, *, now, reason: Translatable) -> None:
    """The sale fell through and nobody else buys: the car can be sold again (listing sold → unsold). `reason` is
    a sentence without parameters: the audit log keeps its English, the seller reads it in their language."""
    listing = Listing.objects.get(pk=sale.listing_id)
    if listing.status != Listing.Status.SOLD:
        return
    listing_sale_fell_through(listing=listing, reason=f"Sale {sale.pk} fell through: {reason['msgid']}")
    publish_sale_on_commit(sale, "fell_through")
    tell_on_commit([sale.seller_id], kind="sale_fell_through", sale=sale, event_key=f"sale:{sale.pk}:fell_through",
                   title=translatable("The sale of your {car} fell through", car=car(sale)),
                   body=translatable("{reason}. The car is yours again, not sold, and nothing is charged to you: our "
                                     "team will contact you about a new auction.", reason=reason))


def sale_cancel_and_offer_second_chance(*, sale: Sale, actor, reason: str) -> SecondChanceOffer | None:
    """Staff cancel an overdue sale and offer the car to the next-highest bidder (if there is one). Below the
    reserve the action only asks the seller: staff never sell below the reserve themselves."""
    staff_ensure(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the sale is cancelled; both sides see it.")]})
    with transaction.atomic():
        sale = lock_sale(sale.pk)
        if sale.status == Sale.Status.CANCELLED:
            return sale.second_chance_offers.filter(status__in=SecondChanceOffer.OPEN_STATUSES).first()
        if sale.status != Sale.Status.OVERDUE:
            raise Conflict(_("Only an overdue sale can be cancelled."), code="not_overdue")
        offer = _cancel(sale, actor=actor, reason=reason, seller_text=translatable("We cancelled the sale."))
        _unpaid_sale_fee_charge(sale)
        return offer


def _unpaid_sale_fee_charge(sale: Sale) -> None:
    """The dealer did not pay: the published unpaid-sale fee, from their deposit as far as it holds and owed for
    the rest. The one place every cancellation of an unpaid sale charges it: staff cancelling an overdue sale, and
    the seller cancelling because the buyer may no longer buy (docs/fees-and-adjustments.md)."""
    deposit_charge(dealer=sale.buyer, kind=LedgerTransaction.Kind.UNPAID_SALE_FEE, sale=sale,
                   fee=unpaid_sale_fee(sale.currency, fee_schedule_load(sale.fee_schedule_version)),
                   memo=f"Unpaid-sale fee: sale {sale.pk} cancelled unpaid",
                   memo_told=translatable("Unpaid-sale fee: sale {sale} cancelled unpaid", sale=sale.pk))


def _cancel(sale: Sale, *, actor, reason: str, seller_text: Translatable,
            reason_told: Translatable | None = None) -> SecondChanceOffer | None:
    """`reason` is recorded as written; the buyer reads it (or `reason_told`, the same in their language)."""
    now = db_now()
    auction_obligation_clear(auction_id=sale.auction_id)  # the dealer no longer owes it
    transition(sale, Sale.Status.CANCELLED, actor=actor, reason=reason,
               updates={"cancelled_at": now, "cancel_reason": reason})
    publish_sale_on_commit(sale, "cancelled")
    tell_on_commit([sale.buyer_id], kind="sale_cancelled", sale=sale, event_key=f"sale:{sale.pk}:cancelled",
                   title=translatable("Your purchase of the {car} was cancelled", car=car(sale)),
                   body=reason_told or reason)
    tell_on_commit([sale.seller_id], kind="sale_cancelled", sale=sale, event_key=f"sale:{sale.pk}:cancelled",
                   title=translatable("The sale of your {car} was cancelled", car=car(sale)),
                   body=translatable("{cancelled} If another dealer bid, we offer them your car at their last bid; "
                                     "below your reserve only with your yes.", cancelled=seller_text))
    return _offer_next(sale, now=now, actor=actor)


# Recorded when the seller gives no reason; the buyer reads it in their language.
SELLER_CANCELLED = gettext_noop("The seller cancelled: the buying dealer may no longer buy on Gavel")


def sale_seller_cancel(*, sale: Sale, seller: User, reason: str = "") -> SecondChanceOffer | None:
    """The seller cancels an unpaid sale whose buyer may no longer buy (suspended since the auction), at no cost to
    them. The dealer did not pay: the published unpaid-sale fee applies, as when staff cancel an overdue sale. The
    car then goes to the next bidder (below the reserve only with the seller's yes) or back on offer."""
    with transaction.atomic():
        # Lock order: the buyer's profile, then the sale.
        profile = dealer_profiles_lock(user_ids=[sale.buyer_id]).get(sale.buyer_id)
        sale = lock_sale(sale.pk)
        if sale.seller_id != getattr(seller, "pk", None):
            raise PermissionRefused(_("Only the seller of this car may cancel its sale."))
        if sale.status == Sale.Status.CANCELLED:
            return sale.second_chance_offers.filter(status__in=SecondChanceOffer.OPEN_STATUSES).first()
        if sale.status not in Sale.UNPAID_STATUSES:
            raise Conflict(_("The dealer has paid: the sale goes ahead."), code="sale_paid")
        if profile is not None and profile.can_bid:
            raise Conflict(_("The buying dealer may still buy, so the sale stands. If they do not pay in time, our "
                           "team offers your car to the next bidder."), code="buyer_eligible")
        reason = (reason or "").strip()
        told = None if reason else translatable(SELLER_CANCELLED)
        offer = _cancel(sale, actor=seller, reason=reason or SELLER_CANCELLED, reason_told=told,
                        seller_text=translatable("You cancelled the sale, at no cost to you."))
        _unpaid_sale_fee_charge(sale)
        return offer


def _lock_offer(offer: SecondChanceOffer) -> tuple[Sale, SecondChanceOffer]:
    sale = lock_sale(offer.sale_id)
    return sale, SecondChanceOffer.objects.select_for_update().get(pk=offer.pk)


def second_chance_accept(*, offer: SecondChanceOffer, dealer: User) -> Sale:
    """The offered dealer buys the car at their last bid: a new sale awaiting their payment."""
    if offer.dealer_id != getattr(dealer, "pk", None):
        raise PermissionRefused(_("This offer is not yours."))
    with transaction.atomic():
        profile = sale_buyer_lock(buyer=dealer)  # lock order: the dealer's profile first, then the sale
        sale, offer = _lock_offer(offer)
        if offer.status == SecondChanceOffer.Status.ACCEPTED:
            assert offer.new_sale is not None  # accepting an offer opens its sale
            return offer.new_sale
        if offer.status != SecondChanceOffer.Status.PENDING:
            raise Conflict(_("This offer is no longer open."), code="offer_closed")
        now = db_now()
        if now >= offer.expires_at:
            raise OfferExpired()
        # Read after the profile lock: what they committed since the offer was made counts.
        if dealer_committed_minor(dealer=dealer) + offer.amount_minor > profile.buying_limit_minor:
            raise BuyingLimitExceeded(fields={"decision": [
                _("Your buying limit is %(limit)s.") % {
                    "limit": Money.of(profile.buying_limit_minor).format(show_minor=False)}]})
        new_sale = _sale_create(auction=sale.auction, buyer=dealer, hammer_price_minor=offer.amount_minor,
                                second_chance_of=sale)
        transition(offer, SecondChanceOffer.Status.ACCEPTED, actor=dealer, reason="Accepted",
                   updates={"decided_at": now, "new_sale": new_sale})
        publish_sale_on_commit(sale, "second_chance_accepted")
    return new_sale


def second_chance_decline(*, offer: SecondChanceOffer, dealer: User) -> TransitionResult:
    if offer.dealer_id != getattr(dealer, "pk", None):
        raise PermissionRefused(_("This offer is not yours."))
    with transaction.atomic():
        sale, offer = _lock_offer(offer)
        if offer.status != SecondChanceOffer.Status.PENDING:
            if offer.status == SecondChanceOffer.Status.DECLINED:
                return TransitionResult(False, offer.status, offer.status)
            raise Conflict(_("This offer is no longer open."), code="offer_closed")
        now = db_now()
        result = transition(offer, SecondChanceOffer.Status.DECLINED, actor=dealer, reason="Declined",
                            updates={"decided_at": now})
        _offer_next(sale, now=now)
    return result


def second_chance_expire_due(*, batch: int | None = None) -> int:
    """Pending offers past their window expire; the next bidder (if any) gets the offer. Bounded, safe twice.
    Swept by sale: lock order sale, then offer."""
    def expire(sale_id: int) -> bool:
        sale = lock_sale(sale_id)
        now = db_now()
        offer = (SecondChanceOffer.objects.select_for_update()
                 .filter(sale=sale, status=SecondChanceOffer.Status.PENDING, expires_at__lte=now).first())
        if offer is None or not transition(offer, SecondChanceOffer.Status.EXPIRED, reason="No answer within the "
                                           "window", updates={"decided_at": now}).changed:
            return False
        _offer_next(sale, now=now)
        return True

    due = Sale.objects.filter(second_chance_offers__status=SecondChanceOffer.Status.PENDING,
                              second_chance_offers__expires_at__lte=db_now())
    return sweep(due.order_by("second_chance_offers__expires_at"), expire,
                 batch=batch or settings.GAVEL_SALES_SWEEP_BATCH)


@dataclass(frozen=True)
class ConsentDecided:
    consent: SellerConsent
    offer: SecondChanceOffer | None


def second_chance_consent_decide(*, consent_id, seller: User, accept: bool) -> ConsentDecided:
    """The seller answers whether the next-highest bidder may buy below the reserve. Yes: the offer goes to the
    dealer. No: the second chances end and the car can be offered again."""
    found = SecondChanceOffer.objects.filter(consent_id=consent_id).values("sale_id", "dealer_id").first()
    if found is None:
        raise ConsentNotFound()
    with transaction.atomic():
        profile = dealer_profiles_lock(user_ids=[found["dealer_id"]]).get(found["dealer_id"])
        sale = lock_sale(found["sale_id"])
        offer = SecondChanceOffer.objects.select_for_update().select_related("dealer").get(consent_id=consent_id)
        consent = seller_consent_lock(consent_id)
        now = db_now()
        seller_consent_check_decidable(consent, seller=seller, now=now)
        if not accept:
            seller_consent_settle(consent, to=SellerConsent.Status.DECLINED, actor=seller,
                                  reason="Seller declined the second-chance price", now=now)
            transition(offer, SecondChanceOffer.Status.SELLER_DECLINED, actor=seller, reason="The seller declined",
                       updates={"decided_at": now})
            _car_back_on_offer(sale, now=now,
                               reason=translatable("The seller declined a second-chance price below the reserve"))
            return ConsentDecided(consent, offer)
        if profile is None or not profile.can_bid:
            # Suspended since the question was asked: nothing to accept; the next bidder, if any, is next.
            reason = "The dealer may no longer buy on Gavel"
            seller_consent_settle(consent, to=SellerConsent.Status.WITHDRAWN, actor=None, reason=reason, now=now)
            transition(offer, SecondChanceOffer.Status.WITHDRAWN, reason=reason, updates={"decided_at": now})
            _offer_next(sale, now=now)
            return ConsentDecided(consent, offer)
        seller_consent_settle(consent, to=SellerConsent.Status.ACCEPTED, actor=seller,
                              reason="Seller accepted the second-chance price", now=now)
        _offer_to_dealer(sale, dealer=offer.dealer, amount_minor=offer.amount_minor, now=now, offer=offer)
        return ConsentDecided(consent, offer)


def second_chance_consents_expire_due(*, batch: int | None = None) -> int:
    """Seller decisions on second-chance prices past their deadline count as declined: the car can be offered again.
    Bounded, safe to run twice. Swept by sale: lock order sale, offer, consent."""
    def expire(sale_id: int) -> bool:
        sale = lock_sale(sale_id)
        now = db_now()
        offer = (SecondChanceOffer.objects.select_for_update()
                 .filter(sale=sale, status=SecondChanceOffer.Status.AWAITING_SELLER).first())
        if offer is None:
            return False
        consent = seller_consent_lock(offer.consent_id)
        if now < consent.deadline:
            return False
        seller_consent_settle(consent, to=SellerConsent.Status.EXPIRED, actor=None,
                              reason="No answer by the deadline: declined", now=now)
        transition(offer, SecondChanceOffer.Status.SELLER_DECLINED, reason="The seller did not answer in time",
                   updates={"decided_at": now})
        _car_back_on_offer(sale, now=now,
                           reason=translatable("The seller did not answer about a price below the reserve"))
        return True

    due = Sale.objects.filter(second_chance_offers__status=SecondChanceOffer.Status.AWAITING_SELLER,
                              second_chance_offers__consent__deadline__lte=db_now())
    return sweep(due.order_by("second_chance_offers__consent__deadline"), expire,
                 batch=batch or settings.GAVEL_SALES_SWEEP_BATCH)


def second_chance_offers_withdraw_for(*, dealer_id: int, reason: str) -> int:
    """A dealer who may no longer buy loses their open second-chance offers; each car goes to the next bidder.
    The caller holds the dealer's profile lock."""
    done = 0
    for offer_id, sale_id in (SecondChanceOffer.objects.filter(dealer_id=dealer_id,
                                                                status__in=SecondChanceOffer.OPEN_STATUSES)
                              .order_by("pk").values_list("pk", "sale_id")):
        sale = lock_sale(sale_id)
        offer = SecondChanceOffer.objects.select_for_update().get(pk=offer_id)
        if offer.status not in SecondChanceOffer.OPEN_STATUSES:
            continue
        now = db_now()
        if offer.consent_id is not None:
            consent = seller_consent_lock(offer.consent_id)
            if consent.status == SellerConsent.Status.PENDING:
                seller_consent_settle(consent, to=SellerConsent.Status.WITHDRAWN, actor=None, reason=reason, now=now)
        transition(offer, SecondChanceOffer.Status.WITHDRAWN, reason=reason, updates={"decided_at": now})
        _offer_next(sale, now=now)
        done += 1
    return done
