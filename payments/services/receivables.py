"""What sellers owe Gavel, and the inspection guarantee that pays when the inspection missed a defect.

- A receivable opens only when staff decide a dispute with "the seller misrepresented the car" (and a written
  reason) after the seller was paid out: `dispute_resolve` calls `receivable_open` inside its transaction, with
  the refund's ledger transaction that charged the seller's account. The seller is told, in the app and by
  email, what they owe, why, and how to settle it.
- It is settled by a bank transfer staff record (`receivable_payment_record`: bank -x, seller +x) or set off
  against the seller's next payout (`receivables_set_off`, called by `payout_release` when it records its
  intent: escrow -x, seller +x, and the payout sends that much less).
- The guarantee account is funded by staff (`guarantee_fund`) from the platform's fees or from outside.
Lock order: a sale row (when there is one), then receivable rows, oldest first.
"""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import staff_ensure
from core.audit import audit_record
from core.clock import db_now
from core.exceptions import ValidationFailed
from core.i18n import translatable
from core.models import AuditLog
from core.money import Money
from core.transitions import transition
from payments.ledger import ledger_account, ledger_post
from payments.models import LedgerAccount, LedgerTransaction, ReceivableSettlement, Sale, SellerReceivable
from payments.selectors import receivable_how_to_settle_translatable
from payments.services.common import Conflict, car, tell_on_commit

# Where funding for the guarantee comes from: the source account and how a person reads it.
GUARANTEE_SOURCES = {
    "platform_fees": (LedgerAccount.Kind.PLATFORM_FEES, gettext_lazy("the platform's fees")),
    "bank": (LedgerAccount.Kind.BANK, gettext_lazy("Gavel's own account (a transfer)")),
}


def receivable_open(*, sale: Sale, dispute, amount_minor: int, reason: str, actor,
                    ledger_transaction: LedgerTransaction) -> SellerReceivable:
    """Record what the seller owes after a refund staff charged to them (call inside the refund's transaction)."""
    receivable = SellerReceivable.objects.create(
        sale=sale, seller_id=sale.seller_id, dispute=dispute, amount_minor=amount_minor, currency=sale.currency,
        reason=reason, ledger_transaction=ledger_transaction, created_by=actor, created_at=db_now())
    audit_record(obj=receivable, action=AuditLog.Action.CREATE, actor=actor, to_state=receivable.status,
                 reason=reason, data={"amount_minor": amount_minor, "sale": sale.pk, "dispute": dispute.pk})
    tell_on_commit([sale.seller_id], kind="receivable_opened", sale=sale,
                   event_key=f"receivable:{receivable.pk}:opened",
                   title=translatable("You owe Gavel {amount} for your {car}",
                                      amount=Money(amount_minor, sale.currency), car=car(sale)),
                   body=translatable("Our team found that the car was misrepresented: {reason}\n\nThe dealer was "
                                     "refunded, and this part of your share had already been paid to you (or set off "
                                     "against what you owed), so you owe it back. {how}", reason=reason,
                                     how=receivable_how_to_settle_translatable(receivable)))
    return receivable


def _settle(receivable: SellerReceivable, *, amount_minor: int, method: str, ledger_transaction, actor=None,
            bank_reference: str = "", payout_sale: Sale | None = None) -> ReceivableSettlement:
    """Record one payment towards a locked receivable; settles it when nothing is left."""
    now = db_now()
    settlement = ReceivableSettlement.objects.create(
        receivable=receivable, method=method, amount_minor=amount_minor, bank_reference=bank_reference,
        payout_sale=payout_sale, ledger_transaction=ledger_transaction,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None, created_at=now)
    settled = receivable.settled_minor + amount_minor
    with translation.override("en-gb"):  # the audit log keeps one language
        how = str(settlement.get_method_display()).lower()
    if settled == receivable.amount_minor:
        transition(receivable, SellerReceivable.Status.SETTLED, actor=actor, reason=f"Settled: {how}",
                   updates={"settled_minor": settled, "settled_at": now},
                   data={"amount_minor": amount_minor, "method": method})
        tell_on_commit([receivable.seller_id], kind="receivable_settled", sale=receivable.sale,
                       event_key=f"receivable:{receivable.pk}:settled",
                       title=translatable("Settled: what you owed for your {car}", car=car(receivable.sale)),
                       body=translatable("We received the last {amount} (bank transfer from the seller). You owe "
                                         "Gavel nothing more for this sale.", amount=receivable.money(amount_minor))
                       if method == ReceivableSettlement.Method.BANK_TRANSFER else
                       translatable("We received the last {amount} (set off against a payout). You owe Gavel nothing "
                                    "more for this sale.", amount=receivable.money(amount_minor)))
    else:
        SellerReceivable.objects.filter(pk=receivable.pk).update(settled_minor=settled)
        audit_record(obj=receivable, action=AuditLog.Action.UPDATE, actor=actor, reason=f"Part paid: {how}",
                     data={"amount_minor": amount_minor, "method": method, "settled_minor": settled})
    receivable.settled_minor = settled
    return settlement


def receivable_payment_record(*, receivable: SellerReceivable, actor, amount_minor: int,
                              bank_reference_text: str) -> ReceivableSettlement:
    """Staff saw the seller's transfer arrive. Idempotent per bank reference: recording it again changes nothing."""
    staff_ensure(actor)
    reference = (bank_reference_text or "").strip()
    errors = {}
    if not reference or len(reference) > 200:
        errors["bank_reference"] = [_("The bank's id of the transfer (up to 200 characters).")]
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        errors["amount"] = [_("A positive amount.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        receivable = SellerReceivable.objects.select_for_update().select_related("sale__listing").get(
            pk=receivable.pk)
        earlier = receivable.settlements.filter(method=ReceivableSettlement.Method.BANK_TRANSFER,
                                                bank_reference=reference).first()
        if earlier is not None:
            if earlier.amount_minor != amount_minor:
                raise Conflict(_("The transfer %(reference)s was already recorded, for %(amount)s.") % {
                    "reference": reference, "amount": receivable.money(earlier.amount_minor).format()},
                    code="transfer_recorded")
            return earlier
        if receivable.status == SellerReceivable.Status.SETTLED:
            raise Conflict(_("This receivable is already settled."), code="receivable_settled")
        if amount_minor > receivable.outstanding_minor:
            raise ValidationFailed(fields={"amount": [
                _("That is more than the %(amount)s still owed; send the difference back to the seller.") % {
                    "amount": receivable.money(receivable.outstanding_minor).format()}]})
        seller_account = ledger_account(LedgerAccount.Kind.SELLER, receivable.seller)
        txn, _created = ledger_post(
            idempotency_key=f"receivable-{receivable.pk}:bank:{reference}",
            kind=LedgerTransaction.Kind.RECEIVABLE_PAYMENT, sale=receivable.sale, provider="bank_transfer",
            provider_reference=reference,
            memo=f"Receivable {receivable.pk} ({receivable.bank_reference}): seller paid back",
            entries=[(ledger_account(LedgerAccount.Kind.BANK), -amount_minor), (seller_account, amount_minor)])
        return _settle(receivable, amount_minor=amount_minor, method=ReceivableSettlement.Method.BANK_TRANSFER,
                       ledger_transaction=txn, actor=actor, bank_reference=reference)


def receivables_set_off(*, sale: Sale, amount_minor: int) -> int:
    """Keep back, out of `sale`'s payout of `amount_minor`, what its seller owes from earlier sales (oldest
    first); returns how much. Called by payout_release with the sale locked, once per sale, before the bank."""
    remaining = amount_minor
    seller_account = ledger_account(LedgerAccount.Kind.SELLER, sale.seller)
    escrow = ledger_account(LedgerAccount.Kind.ESCROW)
    for receivable in (SellerReceivable.objects.select_for_update().select_related("sale__listing")
                       .filter(seller_id=sale.seller_id, status=SellerReceivable.Status.OPEN)
                       .order_by("created_at", "id")):
        take = min(receivable.outstanding_minor, remaining)
        if take <= 0:
            break
        txn, _created = ledger_post(
            idempotency_key=f"set-off-{sale.pk}-{receivable.pk}", kind=LedgerTransaction.Kind.SET_OFF, sale=sale,
            memo=f"Payout of sale {sale.pk} settles receivable {receivable.pk} (sale {receivable.sale_id})",
            entries=[(escrow, -take), (seller_account, take)])
        _settle(receivable, amount_minor=take, method=ReceivableSettlement.Method.SET_OFF, ledger_transaction=txn,
                payout_sale=sale)
        remaining -= take
    return amount_minor - remaining


def guarantee_fund(*, actor, amount_minor: int, source: str, memo: str = "", token: str) -> LedgerTransaction:
    """Staff put money into the inspection guarantee, from the platform's fees or from Gavel's own account.
    `token` (one per form) makes a resubmitted form fund once."""
    staff_ensure(actor)
    errors = {}
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        errors["amount"] = [_("A positive amount.")]
    if source not in GUARANTEE_SOURCES:
        errors["source"] = [_("Choose one of: %(sources)s.") % {"sources": ", ".join(GUARANTEE_SOURCES)}]
    if not (token or "").strip():
        errors["token"] = [_("Required.")]
    if errors:
        raise ValidationFailed(fields=errors)
    kind, source_text = GUARANTEE_SOURCES[source]
    with translation.override("en-gb"):  # the ledger's memo keeps one language
        memo = (memo or "").strip() or f"Funded from {source_text}"
    guarantee = ledger_account(LedgerAccount.Kind.GUARANTEE)
    with transaction.atomic():
        txn, created = ledger_post(idempotency_key=f"guarantee-fund-{token.strip()}",
                                   kind=LedgerTransaction.Kind.GUARANTEE_FUNDED, memo=memo,
                                   entries=[(ledger_account(kind), -amount_minor), (guarantee, amount_minor)])
        if created:
            audit_record(obj=guarantee, action=AuditLog.Action.UPDATE, actor=actor, reason=memo,
                         data={"funded_minor": amount_minor, "source": source,
                               "amount": Money.of(amount_minor).format()})
    return txn
