"""The escrow ledger: double entry, append-only, balances are sums (never stored totals).

Sign convention (payments.models): an entry's amount is positive when value flows INTO the account (debit) and
negative when it flows out (credit). Movements Gavel posts (x = amount):

  payment received      bank -x, dealer +x, dealer -x, escrow +x        (the dealer's money enters escrow)
  set-off (payout intent) escrow -s, seller +s                          (what the seller owed, kept back)
  payout (on handover)  escrow -due, platform_fees +fees, seller +net; then seller -net, bank +net
                        (net = the seller's share minus any set-off)
  refund, the inspection missed it (before or after payout; Dispute.Cause.INSPECTION_MISSED):
                        guarantee -r, dealer +r, dealer -r, bank +r     (escrow and the seller untouched)
  refund, the seller misrepresented the car (Dispute.Cause.SELLER_MISREPRESENTED):
    before payout       escrow -r, dealer +r, dealer -r, bank +r        (out of the seller's share first)
    after payout        seller -s, platform_fees -p, dealer +r, dealer -r, bank +r  (s + p = r; the seller's
                        account is then negative by exactly an open SellerReceivable of s)
  seller pays back      bank -x, seller +x                              (a bank transfer staff record)
  guarantee funded      platform_fees -x (or bank -x), guarantee +x
  duplicate payment     bank -x, dealer +x; dealer -x, bank +x          (second payment sent straight back)
  fee from the deposit  deposit -t, platform_fees +t                     (break fee, unpaid-sale fee: what it holds)
  fee beyond it         dealer -o, platform_fees +o                      (the rest: an open DealerReceivable of o)
  owed fee paid         deposit -x, dealer +x                            (a later top-up pays it first)

So a seller's account is never negative except by what their open receivables say they owe, a dealer's account
likewise with their open DealerReceivables, and the guarantee account holds its funding minus the refunds it paid;
`ledger_check_invariants` checks all three.
"""

from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ApplicationError, ValidationFailed
from core.money import Money
from payments.models import (
    DealerReceivable,
    GuaranteeClaim,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    ReceivableSettlement,
    Sale,
    SellerReceivable,
)


def _money(amount_minor: int) -> str:
    return Money.of(amount_minor).format()


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    status_code = 409

    def default_message(self):
        return _("This idempotency key was already used for a different ledger transaction.")


def ledger_account(kind: str, owner=None) -> LedgerAccount:
    """The one account of `kind` (per owner for dealer/seller accounts), created on first use."""
    if (kind in LedgerAccount.OWNED_KINDS) != (owner is not None):
        raise ValueError(f"A {kind} account {'needs' if owner is None else 'takes no'} owner.")
    account = LedgerAccount.objects.filter(kind=kind, owner=owner).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(kind=kind, owner=owner, currency=settings.GAVEL_CURRENCY)
    except IntegrityError:  # created concurrently: the unique constraint picked the winner
        return LedgerAccount.objects.get(kind=kind, owner=owner)


def _signature(pairs: Iterable[tuple[int, int]]) -> Counter:
    return Counter(pairs)


def ledger_post(*, idempotency_key: str, kind: str, entries: list[tuple[LedgerAccount, int]], provider: str = "",
                provider_reference: str = "", memo: str = "", sale: Sale | None = None
                ) -> tuple[LedgerTransaction, bool]:
    """Write one balanced transaction, or return the one already written under this key (created=False).

    Two concurrent posts with one key write once: the unique index on idempotency_key makes the second
    insert wait for the first and then fail; we catch that inside a savepoint and read the winner."""
    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationFailed(fields={"idempotency_key": [_("Required.")]})
    if kind not in LedgerTransaction.Kind.values:
        raise ValidationFailed(fields={"kind": [_("Unknown kind %(kind)r.") % {"kind": kind}]})
    if not entries:
        raise ValidationFailed(_("A ledger transaction needs entries."), fields={"entries": [_("Empty.")]})
    for account, amount in entries:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ValidationFailed(fields={"entries": [_("Amounts are whole minor units.")]})
        if amount == 0:
            raise ValidationFailed(fields={"entries": [_("An entry of zero moves nothing.")]})
        if account.currency != settings.GAVEL_CURRENCY:
            raise ValidationFailed(fields={"entries": [
                _("Account %(account)s is in %(currency)s, not %(expected)s.") % {
                "account": account, "currency": account.currency, "expected": settings.GAVEL_CURRENCY}]})
    if sum(amount for _account, amount in entries) != 0:
        total = _money(sum(a for _account, a in entries))
        raise ValidationFailed(_("A ledger transaction must balance."),
                               fields={"entries": [_("Entries sum to %(total)s, not 0.") % {"total": total}]})
    wanted = _signature((account.pk, amount) for account, amount in entries)

    def existing() -> tuple[LedgerTransaction, bool]:
        txn = LedgerTransaction.objects.get(idempotency_key=key)
        have = _signature(txn.entries.values_list("account_id", "amount_minor"))
        if have != wanted or txn.kind != kind:
            raise IdempotencyKeyReused()
        return txn, False

    if LedgerTransaction.objects.filter(idempotency_key=key).exists():
        return existing()
    with transaction.atomic():
        try:
            with transaction.atomic():
                txn = LedgerTransaction.objects.create(
                    idempotency_key=key, kind=kind, provider=provider, provider_reference=provider_reference,
                    memo=memo[:300], sale=sale)
        except IntegrityError:
            return existing()
        LedgerEntry.objects.bulk_create(
            [LedgerEntry(transaction=txn, account=account, amount_minor=amount) for account, amount in entries])
    return txn, True


def account_balance(account: LedgerAccount) -> int:
    return LedgerEntry.objects.filter(account=account).aggregate(total=Coalesce(Sum("amount_minor"), 0))["total"]


def sale_escrow_expected_minor(sale: Sale) -> int:
    """What escrow should hold for one sale: paid in, not yet paid out, minus refunds taken from escrow (the
    guarantee's never are) and minus what was already set off against the seller's debts."""
    if sale.paid_at is None or sale.payout_status == Sale.PayoutStatus.SENT:
        return 0
    return sale.amount_due_minor - sale.escrow_refunded_minor - sale.set_off_minor


def escrow_expected_minor() -> int:
    total = 0
    for sale in Sale.objects.filter(paid_at__isnull=False).exclude(payout_status=Sale.PayoutStatus.SENT).only(
            "amount_due_minor", "refunded_minor", "guarantee_paid_minor", "set_off_minor", "seller_debited_minor",
            "paid_at", "payout_status"):
        total += sale_escrow_expected_minor(sale)
    return total


def _guarantee_problems() -> list[str]:
    """The guarantee account holds its funding minus the refunds it paid; every payment is one claim, traced."""
    problems = []
    guarantee = LedgerAccount.objects.filter(kind=LedgerAccount.Kind.GUARANTEE).first()
    entries = LedgerEntry.objects.filter(account=guarantee) if guarantee else LedgerEntry.objects.none()
    funded = entries.filter(transaction__kind=LedgerTransaction.Kind.GUARANTEE_FUNDED).aggregate(
        total=Coalesce(Sum("amount_minor"), 0))["total"]
    claimed = GuaranteeClaim.objects.aggregate(total=Coalesce(Sum("amount_minor"), 0))["total"]
    balance = account_balance(guarantee) if guarantee else 0
    if balance != funded - claimed:
        problems.append(f"The guarantee account holds {_money(balance)} but its funding minus the refunds it paid "
                        f"come to {_money(funded - claimed)}.")
    taken = dict(entries.values_list("transaction_id").annotate(total=Sum("amount_minor")))
    for claim in GuaranteeClaim.objects.all():
        paid = -taken.get(claim.ledger_transaction_id, 0)
        if paid != claim.amount_minor:
            problems.append(f"Guarantee payment {claim.pk} (dispute {claim.dispute_id}) is "
                            f"{_money(claim.amount_minor)} but its ledger transaction takes {_money(paid)} from the "
                            "guarantee.")
    by_sales = Sale.objects.aggregate(total=Coalesce(Sum("guarantee_paid_minor"), 0))["total"]
    if by_sales != claimed:
        problems.append(f"Sales record {_money(by_sales)} refunded by the guarantee, its payments {_money(claimed)}.")
    return problems


def _seller_problems() -> list[str]:
    """A seller's account is zero except for what their open receivables say they owe; each receivable's settled
    amount is the sum of its settlements."""
    problems = []
    balances = dict(LedgerEntry.objects.filter(account__kind=LedgerAccount.Kind.SELLER)
                    .values_list("account__owner_id").annotate(total=Sum("amount_minor")))
    owed: dict[int, int] = {}
    for receivable in SellerReceivable.objects.filter(status=SellerReceivable.Status.OPEN):
        owed[receivable.seller_id] = owed.get(receivable.seller_id, 0) + receivable.outstanding_minor
    for seller_id in sorted(set(balances) | set(owed)):
        balance, open_total = balances.get(seller_id, 0), owed.get(seller_id, 0)
        if balance != -open_total:
            email = User.objects.filter(pk=seller_id).values_list("email", flat=True).first()
            problems.append(f"Seller {seller_id} ({email}): their account is at {_money(balance)} but their open "
                            f"receivables come to {_money(open_total)}.")
    settled = dict(ReceivableSettlement.objects.values_list("receivable_id").annotate(total=Sum("amount_minor")))
    for receivable in SellerReceivable.objects.all():
        if receivable.settled_minor != settled.get(receivable.pk, 0):
            problems.append(f"Receivable {receivable.pk} records {_money(receivable.settled_minor)} settled, its "
                            f"settlements {_money(settled.get(receivable.pk, 0))}.")
    return problems


def _dealer_problems() -> list[str]:
    """A dealer's account is zero except for the fees they owe (open DealerReceivables); a deposit never goes
    below nothing."""
    problems = []
    balances = dict(LedgerEntry.objects.filter(account__kind=LedgerAccount.Kind.DEALER)
                    .values_list("account__owner_id").annotate(total=Sum("amount_minor")))
    owed: dict[int, int] = {}
    for receivable in DealerReceivable.objects.filter(status=DealerReceivable.Status.OPEN):
        owed[receivable.dealer_id] = owed.get(receivable.dealer_id, 0) + receivable.outstanding_minor
    for dealer_id in sorted(set(balances) | set(owed)):
        balance, open_total = balances.get(dealer_id, 0), owed.get(dealer_id, 0)
        if balance != -open_total:
            problems.append(f"Dealer {dealer_id}: their account is at {_money(balance)} but the fees they owe come "
                            f"to {_money(open_total)}.")
    deposits = (LedgerEntry.objects.filter(account__kind=LedgerAccount.Kind.DEPOSIT)
                .values_list("account__owner_id").annotate(total=Sum("amount_minor")))
    for dealer_id, total in deposits:
        if total < 0:
            problems.append(f"Dealer {dealer_id}: their deposit is at {_money(total)}, below nothing.")
    return problems


def ledger_check_invariants() -> list[str]:
    """Every problem found, as sentences; an empty list means the books are right."""
    problems = []
    unbalanced = (LedgerTransaction.objects.annotate(total=Coalesce(Sum("entries__amount_minor"), 0))
                  .filter(~Q(total=0)).values_list("idempotency_key", "total"))
    for key, total in unbalanced:
        problems.append(f"Transaction {key} sums to {_money(total)}, not 0.")
    empty = LedgerTransaction.objects.filter(entries__isnull=True).values_list("idempotency_key", flat=True)
    for key in empty:
        problems.append(f"Transaction {key} has no entries.")
    grand = LedgerEntry.objects.aggregate(total=Coalesce(Sum("amount_minor"), 0))["total"]
    if grand != 0:
        problems.append(f"All entries sum to {_money(grand)}, not 0.")
    foreign = LedgerAccount.objects.exclude(currency=settings.GAVEL_CURRENCY).values_list("pk", flat=True)
    for pk in foreign:
        problems.append(f"Account {pk} is not in {settings.GAVEL_CURRENCY}.")
    escrow = LedgerAccount.objects.filter(kind=LedgerAccount.Kind.ESCROW).first()
    escrow_balance = account_balance(escrow) if escrow else 0
    expected = escrow_expected_minor()
    if escrow_balance != expected:
        problems.append(f"Escrow holds {_money(escrow_balance)} but paid, not-yet-paid-out sales (minus refunds) "
                        f"come to {_money(expected)}.")
    if escrow is not None:
        per_sale = dict(LedgerEntry.objects.filter(account=escrow, transaction__sale__isnull=False)
                        .values_list("transaction__sale_id").annotate(total=Sum("amount_minor")))
        for sale in Sale.objects.filter(Q(pk__in=per_sale.keys()) | Q(paid_at__isnull=False)):
            held = per_sale.get(sale.pk, 0)
            if held != sale_escrow_expected_minor(sale):
                problems.append(f"Sale {sale.pk}: escrow holds {_money(held)}, "
                                f"expected {_money(sale_escrow_expected_minor(sale))}.")
    problems += _guarantee_problems()
    problems += _seller_problems()
    problems += _dealer_problems()
    return problems
