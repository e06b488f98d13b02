"""The seller's counter-offer to a top bid below the reserve, and the top bidder's answer.

While the seller decides on a top bid below the reserve (auction outcome `awaiting_seller`), they may, instead of
accepting or declining, name a price above that bid. The close's question is then answered ("declined: countered")
and the auction waits for the top bidder instead, until the counter-offer expires: its expiry becomes the auction's
decision deadline, so the sweeper that declines unanswered decisions (auction_decisions_expire) also ends an
unanswered counter-offer. The dealer accepts — sold at the counter price; below the reserve that price is the
seller's own word and is recorded as their consent, which the one gate that makes sales checks — or declines.

Opening the sale is settlement's (payments.services.settlement.counter_offer_answer_and_settle).
Lock order: the dealer's profile (when buying), the auction, the counter-offer.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import dealer_ensure_can_bid
from auctions.events import auction_publish_on_commit
from auctions.models import Auction, CounterOffer, SellerConsent
from auctions.selectors import dealer_committed_minor
from auctions.services.common import (
    AuctionNotFound,
    BuyingLimitExceeded,
    DecisionExpired,
    NoDecisionPending,
    TopBidderCannotBuy,
    auction_dealer_notify,
    auction_result_webhooks,
    lock_auction,
)
from auctions.services.consents import seller_consent_close_settle
from core.audit import audit_record
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import money_whole, translatable
from core.models import AuditLog
from core.money import AMOUNT_MAX_MINOR, Money, amount_too_large_message
from core.notifications import notify
from core.transitions import TransitionResult, transition
from marketplace.models import Listing


class CounterOfferPending(NoDecisionPending):
    def default_message(self):
        return _("You made a counter-offer: the top bidder answers it first.")


def _car(auction: Auction) -> str:
    return auction.listing.display_title


def _money(minor: int) -> str:
    return Money.of(minor).format(show_minor=False)


def counter_offer_pending(*, auction: Auction) -> CounterOffer | None:
    return CounterOffer.objects.filter(auction=auction, status=CounterOffer.Status.PENDING).first()


def counter_offer_make(*, auction_id: int, seller: User, amount_minor) -> CounterOffer:
    """The seller answers a top bid below the reserve with their own price, which must exceed that bid."""
    try:
        amount_minor = int(amount_minor)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"amount": [_("Enter an amount in whole units.")]}) from None
    if amount_minor > AMOUNT_MAX_MINOR:
        raise ValidationFailed(fields={"amount": [amount_too_large_message()]})
    with transaction.atomic():
        auction = lock_auction(auction_id)
        if auction.listing.seller_id != getattr(seller, "pk", None):
            raise PermissionRefused(_("Only the seller of this car may make a counter-offer."))
        if auction.outcome != Auction.Outcome.AWAITING_SELLER:
            raise NoDecisionPending()
        if CounterOffer.objects.filter(auction=auction).exists():
            raise CounterOfferPending()
        now = db_now()
        if auction.decision_deadline and now >= auction.decision_deadline:
            raise DecisionExpired()
        if amount_minor <= (auction.price_minor or 0):
            raise ValidationFailed(fields={"amount": [
                _("A counter-offer must be more than the top bid of %(amount)s.")
                % {"amount": _money(auction.price_minor or 0)}]})
        if not _can_buy(auction.leader_id):
            raise TopBidderCannotBuy()
        expires_at = now + timedelta(hours=settings.GAVEL_COUNTER_OFFER_HOURS)
        seller_consent_close_settle(auction=auction, to=SellerConsent.Status.DECLINED, actor=seller, now=now,
                                    reason=f"Seller countered with {_money(amount_minor)}")
        assert auction.leader_id is not None and auction.price_minor is not None  # awaiting the seller: it has bids
        counter = CounterOffer.objects.create(auction=auction, dealer_id=auction.leader_id,
                                              bid_minor=auction.price_minor, amount_minor=amount_minor,
                                              expires_at=expires_at, created_at=now)
        audit_record(obj=counter, action=AuditLog.Action.CREATE, actor=seller, to_state=counter.status,
                     reason="Seller's counter-offer", data={"amount_minor": amount_minor,
                                                             "bid_minor": auction.price_minor})
        Auction.objects.filter(pk=auction.pk).update(decision_deadline=expires_at)
        dealer_id, car, auction_pk = auction.leader_id, _car(auction), auction.pk
        url = reverse("auctions:detail", args=[auction.pk])

        def tell():
            auction_dealer_notify(
                auction_id=auction_pk, dealer_id=dealer_id, kind="counter_offer", url=url,
                title=translatable("The seller of the {car} offers it to you for {price}", car=car,
                                   price=money_whole(amount_minor)),
                body=translatable("Your top bid stayed below the reserve. Accept or decline the seller's price "
                                  "within {hours} hours on the auction page.",
                                  hours=settings.GAVEL_COUNTER_OFFER_HOURS),
                event_key=f"auction:{auction_pk}:counter_offer")

        transaction.on_commit(tell)
    return counter


def _can_buy(dealer_id: int | None) -> bool:
    dealer = User.objects.filter(pk=dealer_id).select_related("dealer_profile").first() if dealer_id else None
    profile = getattr(dealer, "dealer_profile", None)
    return bool(profile and profile.can_bid)


def counter_offer_answer(*, auction_id: int, dealer: User, accept: bool) -> TransitionResult:
    """The top bidder accepts or declines the seller's counter-offer, before it expires."""
    with transaction.atomic():
        profile = None
        if accept:
            try:
                # Lock order: the dealer's profile before the auction; held to the commit, so the dealer cannot be
                # suspended between this check and the sale opening.
                profile = dealer_ensure_can_bid(user=dealer, lock=True)
            except ApplicationError:
                raise TopBidderCannotBuy() from None
        auction = lock_auction(auction_id)
        counter = (CounterOffer.objects.select_for_update().filter(auction=auction)
                   .order_by("-created_at").first())
        if counter is None:
            raise AuctionNotFound(_("No counter-offer on this auction."))
        if counter.dealer_id != getattr(dealer, "pk", None):
            raise PermissionRefused(_("This counter-offer is for another dealer."))
        if counter.status != CounterOffer.Status.PENDING or auction.outcome != Auction.Outcome.AWAITING_SELLER:
            raise NoDecisionPending(_("This counter-offer has already been answered."))
        now = db_now()
        if now >= counter.expires_at:
            raise DecisionExpired(_("The counter-offer has expired."))
        if accept:
            # The buying limit, read under the profile lock: this car at the counter price, instead of the bid.
            committed = dealer_committed_minor(dealer=dealer, exclude_auction_id=auction.pk)
            if profile is not None and committed + counter.amount_minor > profile.buying_limit_minor:
                raise BuyingLimitExceeded(_("Your buying limit is %(amount)s: it does not cover this price.")
                                          % {"amount": _money(profile.buying_limit_minor)})
            return _accept(auction, counter, dealer=dealer, now=now)
        return _decline(auction, counter, actor=dealer, to=CounterOffer.Status.DECLINED, now=now,
                        reason="The top bidder declined the counter-offer")


def _accept(auction: Auction, counter: CounterOffer, *, dealer: User, now: datetime) -> TransitionResult:
    transition(counter, CounterOffer.Status.ACCEPTED, actor=dealer, reason="Dealer accepted the counter-offer",
               updates={"decided_at": now})
    seller = auction.listing.seller
    if auction.reserve_minor is not None and counter.amount_minor < auction.reserve_minor:
        # The seller named this price: that is their consent to it, recorded as given when they named it.
        consent = SellerConsent.objects.create(
            auction=auction, dealer_id=counter.dealer_id, amount_minor=counter.amount_minor,
            reserve_minor=auction.reserve_minor, source=SellerConsent.Source.COUNTER,
            status=SellerConsent.Status.ACCEPTED, deadline=counter.expires_at, decided_by=seller,
            decided_at=counter.created_at, created_at=counter.created_at)
        audit_record(obj=consent, action=AuditLog.Action.CREATE, actor=seller, to_state=consent.status,
                     reason=f"The seller's counter-offer {counter.pk}", data={"amount_minor": counter.amount_minor})
    price, car, auction_pk = money_whole(counter.amount_minor), _car(auction), auction.pk
    url, seller_id, winner_id = reverse("auctions:detail", args=[auction.pk]), seller.pk, counter.dealer_id

    def tell():
        notify(user=User.objects.get(pk=seller_id), kind="auction_sold", url=url,
               title=translatable("Your {car} is sold for {price}", car=car, price=price),
               body=translatable("The top bidder accepted your counter-offer. We will guide you through payment and "
                                 "handover."),
               event_key=f"auction:{auction_pk}:sold")
        auction_dealer_notify(
            auction_id=auction_pk, dealer_id=winner_id, kind="auction_won", url=url,
            title=translatable("You bought the {car} for {price}", car=car, price=price),
            body=translatable("You accepted the seller's counter-offer. Your invoice and the handover steps follow."),
            event_key=f"auction:{auction_pk}:sold")
        auction_result_webhooks(auction_id=auction_pk, winner_id=winner_id)

    result = transition(auction, Auction.Outcome.SOLD, field="outcome",
                        actor=dealer, reason="Counter-offer accepted", on_commit=[tell],
                        updates={"decided_at": now, "event_seq": auction.event_seq + 1, "winner_id": winner_id,
                                 "hammer_price_minor": counter.amount_minor, "owed_by_id": winner_id,
                                 "owed_minor": counter.amount_minor},
                        data={"counter_offer_id": counter.pk, "amount_minor": counter.amount_minor})
    if result.changed:
        transition(auction.listing, Listing.Status.SOLD, actor=dealer,
                   reason=f"Auction {auction.pk}: counter-offer accepted", updates={"status_changed_at": now})
        auction_publish_on_commit(auction, "decided")
    return result


def _decline(auction: Auction, counter: CounterOffer, *, actor, to: str, now: datetime,
             reason: str) -> TransitionResult:
    transition(counter, to, actor=actor, reason=reason, updates={"decided_at": now})
    seller_id, car, auction_pk = auction.listing.seller_id, _car(auction), auction.pk
    url = reverse("auctions:detail", args=[auction.pk])

    def tell():
        notify(user=User.objects.get(pk=seller_id), kind="counter_offer_declined", url=url,
               title=translatable("Your counter-offer for the {car} was not taken", car=car),
               body=translatable("The top bidder declined or did not answer in time, so the car is not sold. You can "
                                 "ask for it to be relisted on your car's page."),
               event_key=f"auction:{auction_pk}:counter_declined")

    result = transition(auction, Auction.Outcome.UNSOLD, field="outcome",
                        actor=actor, reason=reason, on_commit=[tell],
                        updates={"decided_at": now, "event_seq": auction.event_seq + 1})
    if result.changed:
        transition(auction.listing, Listing.Status.UNSOLD, actor=actor, reason=f"Auction {auction.pk}: {reason}",
                   updates={"status_changed_at": now})
        auction_publish_on_commit(auction, "decided")
    return result


def counter_offer_expire_locked(*, auction: Auction, now: datetime) -> bool:
    """The auction (locked) is being declined because its deadline passed: a pending counter-offer expires with
    it. True when there was one (the caller then leaves the outcome to this module's decline)."""
    counter = (CounterOffer.objects.select_for_update()
               .filter(auction=auction, status=CounterOffer.Status.PENDING).first())
    if counter is None:
        return False
    _decline(auction, counter, actor=None, to=CounterOffer.Status.EXPIRED, now=now,
             reason="The counter-offer was not answered in time")
    return True
