"""Suspending a dealer, everywhere at once: only a dealer allowed to buy can win or be offered a car.

In one transaction, in the one lock order (dealer profiles by id, then auctions, then sales):
- the dealer is suspended (accounts);
- their standing bids and maxima leave every live auction, each worked out again from the remaining bids
  (auctions: the price may go down; watchers see it live, the page says so);
- sellers waiting to decide on their top bid, and sellers of unpaid cars they bought, are told: they may decline
  or cancel at no cost (the pages offer it while the buyer may not buy);
- their open second-chance offers are withdrawn and each car goes to the next bidder;
- the dealer is told.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import DealerProfile, User
from accounts.organisations import organisation_recipient_ids
from accounts.services import staff_ensure
from auctions.models import Auction
from auctions.services import (
    REASON_DEALER_SUSPENDED,
    Repricing,
    auction_bidder_ids,
    dealer_bids_withdraw,
    live_auction_ids_with_bids_of,
)
from core.audit import audit_record
from core.exceptions import ValidationFailed
from core.i18n import translatable
from core.models import AuditLog
from core.notifications import notify_many
from core.transitions import TransitionResult
from payments.models import Sale
from payments.services.common import car, tell_on_commit
from payments.services.offers import second_chance_offers_withdraw_for


@dataclass(frozen=True)
class DealerSuspended:
    result: TransitionResult
    repricings: list[Repricing] = field(default_factory=list)
    decisions_flagged: int = 0
    sales_flagged: int = 0
    offers_withdrawn: int = 0

    @property
    def changed(self) -> bool:
        return self.result.changed or bool(self.repricings or self.offers_withdrawn)


def dealer_suspend_and_withdraw(*, profile: DealerProfile, actor: User, reason: str) -> DealerSuspended:
    staff_ensure(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the dealer is suspended; they will see it.")]})
    dealer_id = profile.user_id
    with transaction.atomic():
        # Every profile this may touch, locked by id before any auction: the dealer's own (no bid of theirs can
        # land from here on) and their rivals' (whose buying limits a re-resolved auction may lean on).
        rivals = auction_bidder_ids(auction_ids=live_auction_ids_with_bids_of(dealer_id=dealer_id))
        locked = account_services.dealer_profiles_lock(user_ids=rivals | {dealer_id})[dealer_id]
        result = account_services.dealer_suspend(profile=locked, actor=actor, reason=reason)
        repricings = dealer_bids_withdraw(dealer_id=dealer_id, actor=actor, reason=reason,
                                          reason_code=REASON_DEALER_SUSPENDED)
        decisions = _tell_sellers_awaiting_decision(dealer_id=dealer_id)
        sales = _tell_sellers_of_unpaid_sales(dealer_id=dealer_id, actor=actor)
        offers = second_chance_offers_withdraw_for(dealer_id=dealer_id,
                                                   reason="The dealer may no longer buy on Gavel")
        if result.changed:
            assert locked.status_changed_at is not None  # the suspension has just set it
            notify_many(user_ids=organisation_recipient_ids(account_id=dealer_id, kind="dealer_suspended"),
                        kind="dealer_suspended", url=reverse("accounts:profile"),
                        event_key=f"dealer:{dealer_id}:suspended:{locked.status_changed_at.isoformat()}",
                        title=translatable("Your dealer account is suspended"),
                        body=translatable("Reason: {reason}. Your bids in live auctions were withdrawn and you cannot "
                                          "bid or buy while suspended. Please contact our team.", reason=reason))
    return DealerSuspended(result=result, repricings=repricings, decisions_flagged=decisions, sales_flagged=sales,
                           offers_withdrawn=offers)


def _tell_sellers_awaiting_decision(*, dealer_id: int) -> int:
    auctions = list(Auction.objects.select_related("listing")
                    .filter(outcome=Auction.Outcome.AWAITING_SELLER, leader_id=dealer_id))
    for auction in auctions:
        listing = auction.listing
        tell_on_commit([listing.seller_id], kind="top_bidder_suspended",
                       url=reverse("auctions:detail", args=[auction.pk]),
                       event_key=f"auction:{auction.pk}:top_bidder_suspended",
                       title=translatable("The top bidder on your {car} may no longer buy",
                                          car=listing.display_title),
                       body=translatable("Their account was suspended after the auction ended, so their bid cannot "
                                         "be accepted. Decline it on the auction page at no cost to you; your car can "
                                         "then be offered again."))
    return len(auctions)


def _tell_sellers_of_unpaid_sales(*, dealer_id: int, actor: User) -> int:
    sales = list(Sale.objects.select_related("listing").filter(buyer_id=dealer_id,
                                                               status__in=Sale.UNPAID_STATUSES))
    for sale in sales:
        audit_record(obj=sale, action=AuditLog.Action.UPDATE, actor=actor,
                     reason="The buying dealer was suspended: the seller may cancel at no cost")
        tell_on_commit([sale.seller_id], kind="buyer_suspended", sale=sale, event_key=f"sale:{sale.pk}:buyer_suspended",
                       title=translatable("The dealer who bought your {car} may no longer buy", car=car(sale)),
                       body=translatable("Their account was suspended before they paid. You may cancel the sale on "
                                         "the sale page at no cost to you; we then offer your car to the next bidder "
                                         "or it can be offered again."))
    return len(sales)
