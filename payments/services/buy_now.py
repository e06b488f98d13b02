"""Buy now: an unsold car offered to every verified dealer at one price for a short time.

Staff propose the price (buy_now_propose); the seller agrees or declines on their car's page (buy_now_seller_answer)
— agreeing opens the offer for settings.GAVEL_BUY_NOW_HOURS and is the seller's consent to that price, recorded
as such for the buyer when there is one; the first verified dealer to confirm buys it (buy_now_buy), through the
one gate every sale passes (payments.services.sales._sale_create).

Concurrency: the offer row is locked after the buyer's profile (lock order: dealer profile, offer, auction, sale);
two dealers confirming at once are serialised on it, the second finds it sold.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import email_verified_ensure, staff_ensure
from auctions.models import Auction, SellerConsent
from auctions.selectors import dealer_committed_minor, listing_interested_dealer_ids
from auctions.services import BuyingLimitExceeded
from core.audit import audit_record
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import money_whole, translatable
from core.models import AuditLog
from core.money import AMOUNT_MAX_MINOR, Money, amount_too_large_message
from core.notifications import notify
from core.transitions import TransitionResult, transition
from marketplace.models import Listing
from payments.models import BuyNowOffer, Sale
from payments.services.common import Conflict
from payments.services.sales import _sale_create, sale_buyer_lock


class BuyNowClosed(Conflict):
    code = "buy_now_closed"

    def default_message(self):
        return _("This car is no longer on offer: another dealer bought it first, or the offer ended.")


def _price(minor: int) -> str:
    return Money.of(minor).format(show_minor=False)


def buy_now_propose(*, listing: Listing, actor: User, price_minor) -> BuyNowOffer:
    """Staff offer an unsold car at `price_minor`; the seller is asked to agree first."""
    staff_ensure(actor, _("Only Gavel staff may offer a car for buy now."))
    try:
        price_minor = int(price_minor)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"price": [_("Enter a price.")]}) from None
    if not 0 < price_minor <= AMOUNT_MAX_MINOR:
        raise ValidationFailed(fields={"price": [_("Enter a price above nothing.") if price_minor <= 0
                                                 else amount_too_large_message()]})
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(pk=listing.pk)
        if listing.status != Listing.Status.UNSOLD:
            raise ApplicationError(_("Only a car that did not sell can be offered for buy now."), code="not_unsold")
        auction = Auction.objects.filter(listing=listing).order_by("-created_at", "-id").first()
        if auction is None or auction.outcome not in (Auction.Outcome.NO_BIDS, Auction.Outcome.UNSOLD) or \
                Sale.objects.filter(auction=auction).exists():
            raise ApplicationError(_("Buy now needs the car's last auction to have ended without a sale."),
                                   code="not_unsold")
        now = db_now()
        for stale in BuyNowOffer.objects.select_for_update().filter(
                listing=listing, status=BuyNowOffer.Status.OPEN, expires_at__lte=now):
            # Its time ran out with nobody buying: it ends now, so a new offer can take its place.
            transition(stale, BuyNowOffer.Status.EXPIRED, actor=actor, reason="Nobody bought it in time",
                       updates={"decided_at": now})
        if BuyNowOffer.objects.filter(listing=listing, status__in=[BuyNowOffer.Status.AWAITING_SELLER,
                                                                    BuyNowOffer.Status.OPEN]).exists():
            raise Conflict(_("This car already has a buy-now offer."), code="buy_now_exists")
        offer = BuyNowOffer.objects.create(auction=auction, listing=listing, price_minor=price_minor,
                                           proposed_by=actor, created_at=now)
        audit_record(obj=offer, action=AuditLog.Action.CREATE, actor=actor, to_state=offer.status,
                     reason="Buy now proposed", data={"price_minor": price_minor})
        seller_id, car, offer_pk = listing.seller_id, listing.display_title, offer.pk
        url = reverse("marketplace:detail", args=[listing.pk])
        transaction.on_commit(lambda: notify(
            user=User.objects.get(pk=seller_id), kind="buy_now_proposed", url=url,
            title=translatable("Sell your {car} for {price} now?", car=car, price=money_whole(price_minor)),
            body=translatable("We can offer your car to every verified dealer for {price} for {hours} hours; the "
                              "first to confirm buys it. Agree or decline on your car's page.",
                              price=money_whole(price_minor), hours=settings.GAVEL_BUY_NOW_HOURS),
            event_key=f"buy_now:{offer_pk}:proposed"))
    return offer


def buy_now_seller_answer(*, offer_id: int, seller: User, agree: bool) -> TransitionResult:
    """The seller agrees (the offer opens to dealers) or declines."""
    with transaction.atomic():
        offer = BuyNowOffer.objects.select_for_update().select_related("listing").filter(pk=offer_id).first()
        if offer is None or offer.listing.seller_id != getattr(seller, "pk", None):
            raise PermissionRefused(_("Only the seller of this car may answer."))
        if offer.status != BuyNowOffer.Status.AWAITING_SELLER:
            raise Conflict(_("This buy-now offer has already been answered."), code="buy_now_answered")
        now = db_now()
        if not agree:
            return transition(offer, BuyNowOffer.Status.DECLINED, actor=seller, reason="Seller declined",
                              updates={"decided_at": now})
        return transition(offer, BuyNowOffer.Status.OPEN, actor=seller, reason="Seller agreed to the price",
                          on_commit=[_tell_interested_dealers(offer)],
                          updates={"seller_agreed_at": now,
                                   "expires_at": now + timedelta(hours=settings.GAVEL_BUY_NOW_HOURS)})


def _tell_interested_dealers(offer: BuyNowOffer):
    """The dealers who watched or bid on the car hear that it is on offer now (in the app and by email), once
    the opening commits; each of them once per offer."""
    listing_id, offer_pk, price_minor = offer.listing_id, offer.pk, offer.price_minor
    car = offer.listing.display_title
    url = reverse("payments:list") + "#buy-now-heading"

    def tell():
        for dealer in User.objects.filter(pk__in=listing_interested_dealer_ids(listing_id=listing_id)):
            notify(user=dealer, kind="buy_now_open", url=url,
                   title=translatable("Buy now: the {car} for {price}", car=car, price=money_whole(price_minor)),
                   body=translatable("The {car} you watched or bid on did not sell at auction. It is on offer to "
                                     "verified dealers for {price} plus the buyer fee for {hours} hours: the first to "
                                     "confirm buys it.", car=car, price=money_whole(price_minor),
                                     hours=settings.GAVEL_BUY_NOW_HOURS),
                   event_key=f"buy_now:{offer_pk}:open")

    return tell


def buy_now_buy(*, offer_id: int, dealer: User, actor: User | None = None) -> Sale:
    """The first verified dealer to confirm buys the car at the offer's price; everyone after them is refused.
    `actor`: the member confirming for the organisation's account `dealer` (their email address must be verified
    too; the account's is checked with its profile)."""
    if actor is not None:
        email_verified_ensure(user=actor, doing="buy")
    with transaction.atomic():
        profile = sale_buyer_lock(buyer=dealer)  # lock order: the dealer's profile first
        offer = (BuyNowOffer.objects.select_for_update(of=("self",)).select_related("auction", "listing")
                 .filter(pk=offer_id).first())
        if offer is None:
            raise BuyNowClosed()
        now = db_now()
        if offer.status != BuyNowOffer.Status.OPEN or offer.expires_at is None or now >= offer.expires_at:
            raise BuyNowClosed()
        assert offer.seller_agreed_at is not None  # an open offer is one the seller agreed to
        if dealer_committed_minor(dealer=dealer) + offer.price_minor > profile.buying_limit_minor:
            raise BuyingLimitExceeded(_("Your buying limit is %(limit)s: it does not cover this price.") % {
                "limit": _price(profile.buying_limit_minor)})
        auction = Auction.objects.select_for_update(of=("self",)).select_related("listing", "report").get(
            pk=offer.auction_id)
        if auction.reserve_minor is not None and offer.price_minor < auction.reserve_minor:
            # The seller agreed to this price before any dealer confirmed: recorded as their consent for this buyer.
            consent = SellerConsent.objects.create(
                auction=auction, dealer=dealer, amount_minor=offer.price_minor, reserve_minor=auction.reserve_minor,
                source=SellerConsent.Source.BUY_NOW, status=SellerConsent.Status.ACCEPTED,
                deadline=offer.expires_at, decided_by_id=offer.listing.seller_id, decided_at=offer.seller_agreed_at,
                created_at=offer.seller_agreed_at)
            audit_record(obj=consent, action=AuditLog.Action.CREATE, to_state=consent.status,
                         reason=f"The seller agreed to buy-now offer {offer.pk}",
                         data={"amount_minor": offer.price_minor})
        sale = _sale_create(auction=auction, buyer=dealer, hammer_price_minor=offer.price_minor)
        transition(offer, BuyNowOffer.Status.SOLD, actor=dealer, reason="Bought",
                   updates={"decided_at": now, "buyer": dealer, "sale": sale})
        transition(offer.listing, Listing.Status.SOLD, actor=dealer, reason=f"Bought now (offer {offer.pk})",
                   updates={"status_changed_at": now})
    return sale
