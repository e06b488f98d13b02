"""Reads for settlement: who sees which sale, the report lines a dispute may name, what sellers owe, timelines."""

from django.conf import settings
from django.db.models import Max, Min, QuerySet

from accounts.models import User
from core.models import AuditLog
from inspections.selectors import report_lines
from payments.ledger import account_balance
from payments.models import (
    Dispute,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    Sale,
    SecondChanceOffer,
    SellerReceivable,
)


def sale_list_visible_to(*, user: User) -> QuerySet:
    """Staff see every sale; a dealer the sales they bought; a seller the sales of their cars; nobody else any."""
    qs = Sale.objects.select_related("listing", "buyer", "seller", "auction", "report")
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
    return (SecondChanceOffer.objects.filter(dealer=dealer).select_related("sale", "sale__listing", "new_sale")
            .order_by("-created_at"))


def second_chance_candidates(*, sale: Sale) -> list[tuple[int, int]]:
    """(dealer id, their last visible bid) for every dealer who bid on the auction and has neither bought
    nor been offered this car yet, best first (higher bid, then the earlier bidder)."""
    auction = sale.auction
    excluded = set(Sale.objects.filter(auction=auction).values_list("buyer_id", flat=True))
    excluded |= set(SecondChanceOffer.objects.filter(sale__auction=auction).values_list("dealer_id", flat=True))
    rows = (auction.bids.filter(is_visible=True).exclude(dealer_id__in=excluded)
            .values("dealer_id").annotate(last=Max("amount_minor"), first_seq=Min("sequence"))
            .order_by("-last", "first_seq"))
    return [(row["dealer_id"], row["last"]) for row in rows]


def sale_report_lines(*, sale: Sale) -> list[dict]:
    """The lines of the report revision the dealer bid on, each marked `disclosed` from the sale's snapshot (the
    record of what the report disclosed). Empty for a sale without a report."""
    if sale.report_id is None:
        return []
    disclosed = sale.disclosed_items or {}
    return [{**line, "disclosed": line["key"] in disclosed} for line in report_lines(report=sale.report)]


def sale_report_line_groups(*, sale: Sale) -> list[tuple[str, list[dict]]]:
    """sale_report_lines grouped by category, in report order: what the dispute form offers."""
    groups: dict[str, list[dict]] = {}
    for line in sale_report_lines(sale=sale):
        groups.setdefault(line["category"], []).append(line)
    return list(groups.items())


def sale_disclosed_lines(*, sale: Sale) -> list[dict]:
    """What the report disclosed, as the sale recorded it: [{"key", "text", "category", "label", "severity",
    "note"}], in report order."""
    order = {line["key"]: index for index, line in enumerate(sale_report_lines(sale=sale))}
    items = (sale.disclosed_items or {}).items()
    return [{"key": key, **value} for key, value in sorted(items, key=lambda kv: (order.get(kv[0], len(order)), kv[0]))]


def dispute_item_problem(*, sale: Sale, item_keys: list[str]) -> tuple[bool, str] | None:
    """Why these report lines cannot ground a dispute on this sale — (disclosed?, message) — or None when they can.
    The one place this rule lives: a sale with a report needs at least one of its lines, every key must be one,
    and none may be a line the report disclosed."""
    if sale.report_id is not None and not item_keys:
        return False, "Choose the report lines the car differs from (at least one)."
    lines = {line["key"] for line in sale_report_lines(sale=sale)}
    unknown = [key for key in item_keys if key not in lines]
    if unknown:
        return False, f"Not a line of this car's inspection report: {', '.join(unknown)}."
    disclosed = sale.disclosed_items or {}
    named = [disclosed[key]["text"] for key in item_keys if key in disclosed]
    if named:
        return True, f"Disclosed in the report: {'; '.join(named)}."
    return None


def dispute_items(*, dispute: Dispute) -> list[dict]:
    """The report lines a dispute names, as they read: [{"key", "text"}] (a key the report no longer resolves —
    a dispute from before lines were checked — reads as itself)."""
    lines = {line["key"]: line["text"] for line in sale_report_lines(sale=dispute.sale)} if dispute.item_keys else {}
    return [{"key": key, "text": lines.get(key, key)} for key in dispute.item_keys]


def dispute_default_cause(*, dispute: Dispute) -> str:
    """Who pays a refund unless staff decide otherwise: the inspection missed it when the dispute names lines of
    the report (none of them disclosed — dispute_item_problems saw to that); nobody by default when it names
    none (staff must choose). A misrepresentation is never a default: it needs a written reason."""
    if dispute.sale.report_id is not None and dispute.item_keys:
        return Dispute.Cause.INSPECTION_MISSED
    return Dispute.Cause.NONE


def receivable_how_to_settle(receivable: SellerReceivable) -> str:
    """The one text that tells a seller how to settle (notification, email and sale page say the same)."""
    owed = receivable.money(receivable.outstanding_minor).format()
    return (f"Transfer {owed} to {settings.GAVEL_BANK_ACCOUNT_NAME}, "
            f"IBAN {settings.GAVEL_BANK_IBAN}, BIC {settings.GAVEL_BANK_BIC}, with the reference "
            f"{receivable.bank_reference}; or leave it to be set off against your next payout on Gavel.")


def sale_receivables(*, sale: Sale) -> QuerySet:
    return sale.receivables.prefetch_related("settlements").order_by("created_at", "id")


def sale_set_offs(*, sale: Sale) -> QuerySet:
    """What this sale's payout settled of the seller's receivables from other sales."""
    return sale.set_offs.select_related("receivable", "receivable__sale__listing").order_by("id")


def seller_open_receivables(*, seller: User) -> QuerySet:
    return SellerReceivable.objects.filter(seller=seller, status=SellerReceivable.Status.OPEN).order_by(
        "created_at", "id")


def sale_paid_to_bank_minor(*, sale: Sale) -> int:
    """What the payout sent to the seller's bank account, as the ledger recorded it (0 before it is sent)."""
    return (LedgerEntry.objects.filter(transaction__sale=sale, transaction__kind=LedgerTransaction.Kind.PAYOUT,
                                       account__kind=LedgerAccount.Kind.BANK, amount_minor__gt=0)
            .values_list("amount_minor", flat=True).first() or 0)


def ledger_account_history(*, account: LedgerAccount, limit: int = 200) -> list[dict]:
    """The newest entries of an account with the balance after each: [{"entry", "balance_minor"}], newest first."""
    entries = list(LedgerEntry.objects.filter(account=account).select_related("transaction", "transaction__sale")
                   .order_by("-transaction__created_at", "-transaction_id", "-id")[:limit])
    balance = account_balance(account)
    rows = []
    for entry in entries:
        rows.append({"entry": entry, "balance_minor": balance})
        balance -= entry.amount_minor
    return rows
