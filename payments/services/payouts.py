"""Paying the seller out of escrow, exactly once.

`payout_release` runs in three steps so that a worker killed at any point, then retried, pays once:
1. a short transaction locks the sale and records the intent (payout_status=sending, attempts+1); on the first
   attempt it also sets off what the seller owes from earlier sales (receivables_set_off), so the amount sent
   is fixed before the bank is ever called;
2. the payout provider is called OUTSIDE any transaction, keyed by `payout-<sale id>`; the provider is
   idempotent on that key, so a retry after a crash gets the first transfer back instead of a second;
3. a short transaction posts the ledger (keyed too) and marks the payout sent.
A failure in step 2 marks the payout failed; the task retries, the beat sweep and the admin action retry later.
Every move of `payout_status` goes through `transition(..., field="payout_status")` (Sale.PAYOUT_STATUS_TRANSITIONS,
one audit row each); a new attempt on a payout already `sending` (its worker died) changes no status and only
counts the attempt.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import staff_ensure
from core.audit import audit_record
from core.clock import db_now
from core.i18n import translatable
from core.models import AuditLog
from core.money import Money
from core.sweeps import sweep
from core.transitions import transition
from integrations.models import EventType
from integrations.services import webhook_emit
from payments.ledger import ledger_account, ledger_post
from payments.models import LedgerAccount, LedgerTransaction, Sale
from payments.providers import payout_provider
from payments.selectors import sale_open_dispute
from payments.services.common import (
    Conflict,
    car,
    lock_sale,
    publish_sale_on_commit,
    tell_on_commit,
)
from payments.services.documents import statement_issue
from payments.services.receivables import receivables_set_off


def payout_key(sale: Sale) -> str:
    return f"payout-{sale.pk}"


def payout_amounts(sale: Sale) -> tuple[int, int]:
    """(the seller's share, to platform fees) out of what escrow still holds for the sale. Refunds taken from
    escrow (the seller misrepresented the car) come out of the seller's share first; the platform gives up its
    fees only beyond that. Refunds the inspection guarantee paid take nothing from either. What is set off
    against the seller's debts is part of their share (see payout_to_bank)."""
    seller_part_refunded = min(sale.seller_charged_minor, sale.seller_receives_minor)
    platform_part_refunded = sale.seller_charged_minor - seller_part_refunded
    return sale.seller_receives_minor - seller_part_refunded, sale.fees_minor - platform_part_refunded


def payout_to_bank(sale: Sale) -> int:
    """What goes to the seller's bank account before the payout is sent: their share, minus what was set off
    against their debts, plus what of a later refund was charged to their account instead of this share (it had
    been set off; see disputes._sale_pays)."""
    return payout_amounts(sale)[0] - sale.set_off_minor + sale.seller_debited_minor


def _releasable(sale: Sale) -> bool:
    # A refunded sale may still owe its seller a payout: the guarantee paid the refund (payout_status tells).
    return (sale.handed_over_at is not None and sale.status != Sale.Status.CANCELLED
            and sale.payout_status in (Sale.PayoutStatus.PENDING, Sale.PayoutStatus.FAILED, Sale.PayoutStatus.SENDING))


# Stored on the sale in English (Sale.payout_waiting_reason); each is a msgid, read in the reader's language.
PAYOUT_WAITS_FOR_ACCOUNT = gettext_noop("Your payout waits for your payout account: enter your IBAN on the payout "
                                        "account page and it is sent on the next run.")
PAYOUT_WAITS_FOR_EMAIL = gettext_noop("Your payout waits until you confirm your email address: open the link we "
                                      "emailed you (your profile page sends a new one).")


def payout_waiting_reason(*, seller_id: int) -> tuple[str, str]:
    """(the account a payout to this seller goes to now, why it must wait instead: "" when it need not). Read in
    the payout's own transaction: the payout goes to the account on file at that moment, never another."""
    seller = User.objects.filter(pk=seller_id).values("payout_account", "email_verified_at").get()
    if seller["email_verified_at"] is None:
        return "", PAYOUT_WAITS_FOR_EMAIL
    if not seller["payout_account"]:
        return "", PAYOUT_WAITS_FOR_ACCOUNT
    return seller["payout_account"], ""


def _payout_wait(sale: Sale, reason: str) -> Sale:
    """The payout is due but cannot go: say why on the sale (the seller reads it there) and tell the seller once
    per reason. The sweep tries again; nothing is counted as an attempt."""
    if sale.payout_waiting_reason != reason:
        Sale.objects.filter(pk=sale.pk).update(payout_waiting_reason=reason)
        audit_record(obj=sale, action=AuditLog.Action.UPDATE, actor=None, reason="Payout waits",
                     field="payout_waiting_reason", data={"reason": reason})
        what = "email" if reason == PAYOUT_WAITS_FOR_EMAIL else "account"
        tell_on_commit([sale.seller_id], kind="payout_waiting", sale=sale,
                       event_key=f"sale:{sale.pk}:payout_waiting:{what}",
                       title=translatable("Your payout for the {car} is waiting", car=car(sale)),
                       body=translatable(reason))
        publish_sale_on_commit(sale, "payout_waiting")
    sale.refresh_from_db()
    return sale


def payout_release(*, sale_id: int) -> Sale:
    """Release the seller's money from escrow (see the module docstring). Safe to call any number of times.
    A payout goes only to the seller's payout account on file when it is sent (recorded on the sale); without one
    (or before the seller confirmed their email address) it waits with the reason shown to the seller."""
    # Step 1: the intent.
    with transaction.atomic():
        sale = lock_sale(sale_id)
        if not _releasable(sale) or sale_open_dispute(sale=sale) is not None:
            return sale
        to_seller, to_fees = payout_amounts(sale)
        if to_seller == 0 and to_fees == 0:
            transition(sale, Sale.PayoutStatus.NOT_DUE, field="payout_status",
                       reason="Nothing left to pay out: refunds took it all")
            publish_sale_on_commit(sale, "payout_not_due")
            sale.refresh_from_db()
            return sale
        updates = {"payout_attempts": sale.payout_attempts + 1, "payout_last_error": ""}
        if sale.payout_status != Sale.PayoutStatus.SENDING:
            # A new attempt goes to the account on file now; a repeat of an attempt already sending (its worker
            # died) keeps the account that attempt recorded: the provider may have sent it there already.
            account, waiting = payout_waiting_reason(seller_id=sale.seller_id)
            if waiting and to_seller > 0:
                return _payout_wait(sale, waiting)
            updates.update(payout_account=account, payout_waiting_reason="")
        if sale.payout_attempts == 0 and sale.set_off_minor == 0 and to_seller > 0:
            updates["set_off_minor"] = receivables_set_off(sale=sale, amount_minor=to_seller)
        if sale.payout_status == Sale.PayoutStatus.SENDING:
            Sale.objects.filter(pk=sale.pk).update(**updates)
        else:
            transition(sale, Sale.PayoutStatus.SENDING, field="payout_status", reason="Payout attempt",
                       updates=updates, data={"attempt": updates["payout_attempts"],
                                              "set_off_minor": updates.get("set_off_minor", sale.set_off_minor)})
        sale.refresh_from_db()
        to_bank = payout_to_bank(sale)
        publish_sale_on_commit(sale, "payout_sending")
    # Step 2: the provider, outside any transaction (a bank call must never hold the sale's row lock).
    reference = ""
    if to_bank > 0:
        try:
            result = payout_provider().send(idempotency_key=payout_key(sale), payee=sale.seller,
                                            account=sale.payout_account, amount_minor=to_bank, currency=sale.currency,
                                            memo=f"Gavel sale {sale.pk}: {car(sale)}")
        except Exception as exc:
            with transaction.atomic():
                locked = lock_sale(sale_id)
                if locked.payout_status == Sale.PayoutStatus.SENDING:
                    transition(locked, Sale.PayoutStatus.FAILED, field="payout_status", reason="Payout failed",
                               updates={"payout_last_error": str(exc)[:300] or type(exc).__name__},
                               data={"error": str(exc)[:300], "attempt": locked.payout_attempts})
                    publish_sale_on_commit(locked, "payout_failed")
            raise
        reference = result.reference
    # Step 3: the books.
    with transaction.atomic():
        sale = lock_sale(sale_id)
        if sale.payout_status == Sale.PayoutStatus.SENT:
            return sale
        to_seller, to_fees = payout_amounts(sale)
        to_bank = payout_to_bank(sale)
        escrow = ledger_account(LedgerAccount.Kind.ESCROW)
        if to_fees:
            ledger_post(idempotency_key=f"fees-{sale.pk}", kind=LedgerTransaction.Kind.FEE_RECOGNISED, sale=sale,
                        memo=f"Fees for sale {sale.pk}",
                        entries=[(escrow, -to_fees), (ledger_account(LedgerAccount.Kind.PLATFORM_FEES), to_fees)])
        if to_bank:
            seller_account = ledger_account(LedgerAccount.Kind.SELLER, sale.seller)
            ledger_post(idempotency_key=payout_key(sale), kind=LedgerTransaction.Kind.PAYOUT, sale=sale,
                        provider=payout_provider().name, provider_reference=reference,
                        memo=f"Payout for sale {sale.pk}",
                        entries=[(escrow, -to_bank), (seller_account, to_bank), (seller_account, -to_bank),
                                 (ledger_account(LedgerAccount.Kind.BANK), to_bank)])
        now = db_now()
        data = {"reference": reference, "amount_minor": to_bank, "set_off_minor": sale.set_off_minor}
        sale.payout_reference = reference
        statement_issue(sale=sale, seller_share_refunded_minor=sale.seller_receives_minor - to_seller,
                                  to_bank_minor=to_bank)
        transition(sale, Sale.PayoutStatus.SENT, field="payout_status", reason="Payout sent", data=data,
                   updates={"payout_reference": reference, "paid_out_at": now, "payout_last_error": ""})
        if sale.status == Sale.Status.HANDED_OVER:
            transition(sale, Sale.Status.PAID_OUT, reason="Payout sent", data=data)
        publish_sale_on_commit(sale, "paid_out")
        if to_seller:
            set_off = (translatable("{amount} of it was set off against what you owed Gavel from an earlier sale.",
                                    amount=Money(sale.set_off_minor, sale.currency))
                       if sale.set_off_minor else "")
            sent = (translatable("{amount} is on its way to your bank account (reference {reference}).",
                                 amount=Money(to_bank, sale.currency), reference=reference) if to_bank else "")
            sale_id, seller_id = sale.pk, sale.seller_id
            transaction.on_commit(lambda: webhook_emit(
                user_id=seller_id, event_type=EventType.PAYOUT_SENT, resource="sale", resource_id=sale_id,
                event_key=f"sale:{sale_id}:payout_sent"))
            tell_on_commit([sale.seller_id], kind="payout_sent", sale=sale, event_key=f"sale:{sale.pk}:payout_sent",
                           title=translatable("You have been paid for your {car}", car=car(sale)),
                           body=translatable("{set_off} {sent}", set_off=set_off, sent=sent) if set_off and sent
                           else set_off or sent)
        sale.refresh_from_db()
    return sale


def payout_retry(*, sale: Sale, actor, reason: str = "") -> Sale:
    """Staff retry a failed (or stuck) payout now, through the same exactly-once path."""
    staff_ensure(actor)
    with transaction.atomic():
        locked = lock_sale(sale.pk)
        if locked.payout_status not in (Sale.PayoutStatus.FAILED, Sale.PayoutStatus.SENDING,
                                        Sale.PayoutStatus.PENDING) or locked.handed_over_at is None:

            raise Conflict(_("There is no payout to retry for this sale."), code="no_payout_to_retry")
        audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor, reason=reason or "Payout retried",
                     data={"payout_status": locked.payout_status, "attempts": locked.payout_attempts})
    return payout_release(sale_id=sale.pk)


def payouts_due_ids(*, batch: int | None = None) -> list[int]:
    """Handed-over sales whose payout is not sent yet (never queued, failed, or left `sending` by a dead worker),
    below the attempt limit. The beat sweep queues a release for each; the release itself is exactly-once."""
    batch = batch or settings.GAVEL_SALES_SWEEP_BATCH
    return list(Sale.objects.filter(handed_over_at__isnull=False,
                                    payout_status__in=[Sale.PayoutStatus.PENDING, Sale.PayoutStatus.FAILED,
                                                       Sale.PayoutStatus.SENDING],
                                    payout_attempts__lt=settings.GAVEL_PAYOUT_MAX_ATTEMPTS)
                .exclude(status=Sale.Status.CANCELLED)
                .order_by("handed_over_at").values_list("pk", flat=True)[:batch])


def sales_complete_due(*, batch: int | None = None) -> int:
    """paid_out → completed once the dispute window after the handover passed without a dispute."""
    def complete(sale_id: int) -> bool:
        sale = lock_sale(sale_id)
        now = db_now()
        if sale.status != Sale.Status.PAID_OUT:
            return False
        assert sale.handed_over_at is not None  # paid out only after the handover
        if sale.handed_over_at > now - _dispute_window():
            return False
        if not transition(sale, Sale.Status.COMPLETED, reason="Dispute window passed",
                          updates={"completed_at": now}).changed:
            return False
        publish_sale_on_commit(sale, "completed")
        return True

    return sweep(Sale.objects.filter(status=Sale.Status.PAID_OUT, handed_over_at__lte=db_now() - _dispute_window())
                 .order_by("handed_over_at"), complete, batch=batch or settings.GAVEL_SALES_SWEEP_BATCH)


def _dispute_window() -> timedelta:
    return timedelta(days=settings.GAVEL_DISPUTE_WINDOW_DAYS)
