"""Reads for settlement: who sees which sale, report items a dispute may not rely on, timelines."""

from django.db.models import Case, Max, Min, Q, QuerySet, When

from accounts.models import User
from auctions.models import Bid, SellerConsent
from auctions.selectors import seller_consents_for
from core.clock import db_now
from core.models import AuditLog
from payments.models import Dispute, LedgerEntry, Payment, Sale, SecondChanceOffer


def sale_list_visible_to(*, user: User) -> QuerySet:
    """Staff see every sale; a dealer the sales they bought; a seller the sales of their cars; nobody else any."""
    qs = Sale.objects.select_related("listing", "buyer", "buyer__dealer_profile", "seller", "auction")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_staff_member:
        return qs
    if user.role == User.Role.DEALER:
        return qs.filter(buyer=user)
    if user.role == User.Role.SELLER:
        return qs.filter(seller=user)
    return qs.none()


def sale_get_visible_to(*, user: User, sale_id: int) -> Sale | None:
    return sale_list_visible_to(user=user).filter(pk=sale_id).first()


def sale_party(*, sale: Sale, user: User) -> str:
    """"buyer", "seller", "staff" or "" — the role `user` plays in this sale."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if sale.buyer_id == user.pk:
        return "buyer"
    if sale.seller_id == user.pk:
        return "seller"
    if user.is_staff_member:
        return "staff"
    return ""


def sale_payments(*, sale: Sale) -> list[Payment]:
    return list(sale.payments.order_by("created_at", "id"))


def sale_confirmed_payment(*, sale: Sale) -> Payment | None:
    return sale.payments.filter(status=Payment.Status.CONFIRMED).order_by("confirmed_at").first()


def sale_open_dispute(*, sale: Sale) -> Dispute | None:
    return sale.disputes.filter(status=Dispute.Status.OPEN).first()


def sale_ledger_lines(*, sale: Sale) -> QuerySet:
    return (LedgerEntry.objects.filter(transaction__sale=sale)
            .select_related("transaction", "account", "account__owner").order_by("transaction_id", "id"))


def sale_status_history(*, sale: Sale) -> QuerySet:
    return AuditLog.objects.for_object(sale).filter(action=AuditLog.Action.STATUS_CHANGE)


def second_chance_offers_for(*, dealer: User) -> QuerySet:
    """The offers a dealer may see: never one still waiting for the seller's consent (it is not theirs yet, and it
    would tell them the price is below the reserve)."""
    return (SecondChanceOffer.objects.filter(dealer=dealer)
            .filter(Q(consent__isnull=True) | Q(consent__status=SellerConsent.Status.ACCEPTED))
            .select_related("sale", "sale__listing", "new_sale").order_by("-created_at"))


def seller_decisions_for(*, user: User) -> QuerySet:
    """The below-reserve decisions `user` may see (a seller's own, all for staff), with the sale a second-chance
    decision is about; waiting ones first."""
    return (seller_consents_for(user=user).select_related("second_chance_offer__sale")
            .order_by(Case(When(status=SellerConsent.Status.PENDING, then=0), default=1), "-created_at", "-id"))


def seller_decisions_pending(*, user: User) -> list[SellerConsent]:
    """A seller's decisions still waiting for their answer (before the deadline), soonest deadline first."""
    return list(seller_decisions_for(user=user).filter(status=SellerConsent.Status.PENDING, deadline__gt=db_now())
                .order_by("deadline"))


def seller_decision_sale_id(consent: SellerConsent) -> int | None:
    offer = getattr(consent, "second_chance_offer", None)  # a close decision has none
    return offer.sale_id if offer is not None else None


def sale_pending_consent(*, sale: Sale) -> SecondChanceOffer | None:
    """The second-chance offer on this cancelled sale that waits for the seller's consent, if any."""
    return (sale.second_chance_offers.filter(status=SecondChanceOffer.Status.AWAITING_SELLER)
            .select_related("consent").first())


def sale_buyer_can_buy(*, sale: Sale) -> bool:
    profile = getattr(sale.buyer, "dealer_profile", None)
    return profile is not None and profile.can_bid


def sale_seller_may_cancel(*, sale: Sale) -> bool:
    """The seller may cancel, at no cost, an unpaid sale whose buyer may no longer buy (services decide again)."""
    return sale.status in Sale.UNPAID_STATUSES and not sale_buyer_can_buy(sale=sale)


def second_chance_candidates(*, sale: Sale) -> list[tuple[int, int]]:
    """(dealer id, their last visible bid) for every dealer who bid on the auction and has neither bought
    nor been offered this car yet, best first (higher bid, then the earlier bidder)."""
    auction = sale.auction
    excluded = set(Sale.objects.filter(auction=auction).values_list("buyer_id", flat=True))
    excluded |= set(SecondChanceOffer.objects.filter(sale__auction=auction).values_list("dealer_id", flat=True))
    rows = (auction.bids.filter(is_visible=True, state=Bid.State.STANDING).exclude(dealer_id__in=excluded)
            .values("dealer_id").annotate(last=Max("amount_minor"), first_seq=Min("sequence"))
            .order_by("-last", "first_seq"))
    return [(row["dealer_id"], row["last"]) for row in rows]


def listing_disclosed_items(*, listing) -> dict:
    """Items the car's published inspection report disclosed as minor or major defects:
    {item_key: {"label": str, "severity": "minor" | "major"}}.

    The inspections app owns reports; when it offers `inspections.selectors.listing_disclosed_defects(listing=)`
    settlement uses it. Until then no report exists and nothing is disclosed. The sale keeps a snapshot."""
    try:
        from inspections.selectors import listing_disclosed_defects
    except ImportError:
        return {}
    return {str(key): dict(value) for key, value in listing_disclosed_defects(listing=listing).items()}


def dispute_disclosed_item_keys(*, sale: Sale, item_keys: list[str]) -> list[str]:
    """The item keys a dispute may NOT rely on because the published report disclosed them. The one place
    this rule lives."""
    disclosed = sale.disclosed_items or {}
    return [key for key in item_keys
            if key in disclosed and (disclosed[key] or {}).get("severity") in ("minor", "major")]
