"""Dealer deposits: top-up by bank transfer (staff confirm receipt), withdrawal when nothing is pending, and the
fees the deposit pays (break fee, unpaid-sale fee). Every movement is one ledger transaction on the dealer's
deposit account, and every movement tells accounts the buying limit the deposit now gives (deposit × the
published multiple, payments.fee_schedule.buying_limit) and what the dealer owes; the limit's one rule is
accounts.services.dealer_buying_limit_effective.

A fee larger than the deposit: the deposit pays what it holds and the rest is a DealerReceivable (ledger: dealer
-rest, platform_fees +rest), which makes the buying limit nothing until it is paid. A confirmed top-up pays what
is owed first, oldest first (deposit -x, dealer +x); the rest stays in the deposit.

Lock order: the dealer's profile row first (accounts.services.dealer_deposit_limit_set takes it), so two
movements of one deposit queue there and the balance read after the lock is the current one."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import DealerProfile, User
from accounts.organisations import organisation_recipient_ids
from accounts.services import dealer_deposit_limit_set, staff_ensure
from core.audit import audit_record
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import Translatable, translatable
from core.models import AuditLog
from core.money import AMOUNT_MAX_MINOR, Money, amount_too_large_message
from core.notifications import notify_many
from core.transitions import transition
from payments.fee_schedule import buying_limit, fee_schedule_load
from payments.ledger import ledger_account, ledger_post
from payments.models import DealerReceivable, DepositTopUp, DepositWithdrawal, LedgerAccount, LedgerTransaction, Sale
from payments.providers import payout_provider
from payments.references import deposit_reference
from payments.selectors import dealer_owed_minor, deposit_balance_minor, deposit_pending_items
from payments.services.common import tell_on_commit


class DepositPending(ApplicationError):
    code = "deposit_pending"
    status_code = 409

    def default_message(self):
        return _("The deposit cannot be withdrawn while something is pending.")


def dealer_ensure(dealer: User) -> None:
    if not getattr(dealer, "is_authenticated", False) or dealer.role != User.Role.DEALER:
        raise PermissionRefused(_("Only dealers hold a deposit."), code="not_a_dealer")
    if not DealerProfile.objects.filter(user=dealer).exists():
        raise PermissionRefused(_("Only dealers hold a deposit."), code="not_a_dealer")


def _amount(amount_minor, field: str = "amount_minor") -> int:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValidationFailed(fields={field: [_("Enter an amount above nothing.")]})
    if amount_minor > AMOUNT_MAX_MINOR:
        raise ValidationFailed(fields={field: [amount_too_large_message()]})
    return amount_minor


def deposit_account(dealer: User) -> LedgerAccount:
    return ledger_account(LedgerAccount.Kind.DEPOSIT, owner=dealer)


def _limit_refresh(dealer: User, *, reason: str) -> None:
    """Tell accounts what the deposit now gives and what the dealer owes (inside the movement's transaction)."""
    deposit = Money(deposit_balance_minor(dealer), settings.GAVEL_CURRENCY)
    dealer_deposit_limit_set(dealer_id=dealer.pk, deposit_limit_minor=buying_limit(deposit, fee_schedule_load())
                             .amount_minor, owed_minor=dealer_owed_minor(dealer=dealer), reason=reason)


def _lock_dealer(dealer: User) -> None:
    DealerProfile.objects.select_for_update().filter(user=dealer).first()


def deposit_topup_request(*, dealer: User, amount_minor: int) -> DepositTopUp:
    """The dealer announces a transfer: they get Gavel's bank details and a reference to write on it."""
    dealer_ensure(dealer)
    amount_minor = _amount(amount_minor)
    with transaction.atomic():
        topup = DepositTopUp.objects.create(dealer=dealer, amount_minor=amount_minor,
                                            currency=settings.GAVEL_CURRENCY)
        topup.reference = deposit_reference(topup.pk)
        topup.save(update_fields=["reference"])
    return topup


def deposit_topup_instructions(topup: DepositTopUp) -> dict:
    return {"account_name": settings.GAVEL_BANK_ACCOUNT_NAME, "iban": settings.GAVEL_BANK_IBAN,
            "bic": settings.GAVEL_BANK_BIC, "reference": topup.reference,
            "amount": Money(topup.amount_minor, topup.currency)}


def deposit_topup_confirm(*, topup: DepositTopUp, actor: User, received_minor: int | None = None) -> DepositTopUp:
    """Staff saw the transfer arrive: the amount received goes into the deposit (bank → deposit). Idempotent."""
    staff_ensure(actor)
    received = _amount(received_minor if received_minor is not None else topup.amount_minor, "received_minor")
    with transaction.atomic():
        dealer = User.objects.get(pk=topup.dealer_id)
        _lock_dealer(dealer)
        topup = DepositTopUp.objects.select_for_update().get(pk=topup.pk)
        if topup.status == DepositTopUp.Status.CONFIRMED:
            return topup
        assert topup.reference is not None  # given with the top-up, in the same transaction (deposit_topup_request)
        txn, _created = ledger_post(
            idempotency_key=f"deposit-topup:{topup.pk}", kind=LedgerTransaction.Kind.DEPOSIT_TOPUP,
            entries=[(ledger_account(LedgerAccount.Kind.BANK), -received), (deposit_account(dealer), received)],
            provider="bank_transfer", provider_reference=topup.reference, memo=f"Deposit top-up {topup.reference}")
        transition(topup, DepositTopUp.Status.CONFIRMED, actor=actor, reason="Transfer received",
                   updates={"confirmed_at": db_now(), "confirmed_by": actor, "received_minor": received,
                            "ledger_transaction": txn})
        paid = _owed_pay_from_deposit(dealer, topup=topup)
        _limit_refresh(dealer, reason=f"Deposit top-up {topup.reference} received")
        notify_many(user_ids=organisation_recipient_ids(account_id=dealer.pk, kind="deposit_topup"),
                    kind="deposit_topup",
                    title=translatable("{amount} arrived in your deposit", amount=Money(received, topup.currency)),
                    body=translatable("Your buying limit is updated. {paid} of it paid the fees you owed.",
                                      paid=Money(paid, topup.currency)) if paid else
                    translatable("Your buying limit is updated."), url=reverse("payments:deposit"),
                    event_key=f"deposit-topup:{topup.pk}")
    return topup


def _owed_pay_from_deposit(dealer: User, *, topup: DepositTopUp) -> int:
    """A top-up pays what the dealer owes first, oldest first (deposit -x, dealer +x). Returns how much."""
    paid = 0
    deposit, dealer_account = deposit_account(dealer), ledger_account(LedgerAccount.Kind.DEALER, dealer)
    for receivable in (DealerReceivable.objects.select_for_update()
                       .filter(dealer=dealer, status=DealerReceivable.Status.OPEN).order_by("created_at", "id")):
        take = min(receivable.outstanding_minor, deposit_balance_minor(dealer))
        if take <= 0:
            break
        ledger_post(idempotency_key=f"fee-owed-paid:{receivable.pk}:topup:{topup.pk}",
                    kind=LedgerTransaction.Kind.FEE_OWED_PAID, sale=receivable.sale,
                    memo=f"Deposit top-up {topup.reference} pays the fee owed for sale {receivable.sale_id}",
                    entries=[(deposit, -take), (dealer_account, take)])
        settled = receivable.settled_minor + take
        if settled == receivable.amount_minor:
            transition(receivable, DealerReceivable.Status.SETTLED,
                       reason=f"Paid from deposit top-up {topup.reference}",
                       updates={"settled_minor": settled, "settled_at": db_now()}, data={"amount_minor": take})
        else:
            DealerReceivable.objects.filter(pk=receivable.pk).update(settled_minor=settled)
        paid += take
    return paid


def deposit_withdraw(*, dealer: User, amount_minor: int) -> DepositWithdrawal:
    """Send (part of) the deposit back to the dealer's bank, when nothing is pending (deposit → bank)."""
    dealer_ensure(dealer)
    amount_minor = _amount(amount_minor)
    with transaction.atomic():
        _lock_dealer(dealer)
        pending = deposit_pending_items(dealer=dealer)
        if pending.anything:
            raise DepositPending(" ".join(pending.sentences()))
        balance = deposit_balance_minor(dealer)
        if amount_minor > balance:
            raise ValidationFailed(fields={"amount_minor": [
                _("Your deposit holds %(balance)s; you can withdraw at most that.") % {
                    "balance": Money.of(balance).format()}]})
        count = DepositWithdrawal.objects.filter(dealer=dealer).count()
        key = f"deposit-withdrawal:{dealer.pk}:{count + 1}"
        account = User.objects.filter(pk=dealer.pk).values_list("payout_account", flat=True).get()
        sent = payout_provider().send(idempotency_key=key, payee=dealer, account=account, amount_minor=amount_minor,
                                      currency=settings.GAVEL_CURRENCY, memo="Gavel deposit withdrawal")
        txn, _created = ledger_post(
            idempotency_key=key, kind=LedgerTransaction.Kind.DEPOSIT_WITHDRAWAL,
            entries=[(deposit_account(dealer), -amount_minor), (ledger_account(LedgerAccount.Kind.BANK), amount_minor)],
            provider="bank", provider_reference=sent.reference, memo="Deposit withdrawn")
        withdrawal = DepositWithdrawal.objects.create(dealer=dealer, amount_minor=amount_minor,
                                                      currency=settings.GAVEL_CURRENCY,
                                                      payout_reference=sent.reference, ledger_transaction=txn)
        _limit_refresh(dealer, reason="Deposit withdrawn")
    return withdrawal


@dataclass(frozen=True)
class DepositCharge:
    fee_minor: int  # the published fee
    taken_minor: int  # what the deposit held of it (a deposit never goes below nothing)
    ledger_transaction: LedgerTransaction | None
    owed_minor: int = 0  # the rest: a DealerReceivable
    receivable: DealerReceivable | None = None


def deposit_charge(*, dealer: User, kind: str, fee: Money, sale: Sale, memo: str,
                   memo_told: Translatable | None = None) -> DepositCharge:
    """Take a published fee (break fee, unpaid-sale fee) from the dealer's deposit into platform fees: as much
    of it as the deposit holds, and the rest is owed (a DealerReceivable: no bidding until it is paid). Once per
    sale and kind. Call inside the transaction that decided it. `memo` is the ledger's record; `memo_told` the
    same for the dealer, in their language (the memo as it is without it)."""
    if kind not in (LedgerTransaction.Kind.BREAK_FEE, LedgerTransaction.Kind.UNPAID_SALE_FEE):
        raise ValueError(f"{kind!r} is not a fee the deposit pays.")
    key = f"{kind}:{sale.pk}"
    _lock_dealer(dealer)
    receivable = DealerReceivable.objects.filter(sale=sale, kind=kind).first()
    owed = receivable.amount_minor if receivable else 0
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if existing is not None or receivable is not None:
        taken = -sum(e.amount_minor for e in existing.entries.filter(account__kind=LedgerAccount.Kind.DEPOSIT)) \
            if existing else 0
        return DepositCharge(fee_minor=fee.amount_minor, taken_minor=taken, ledger_transaction=existing,
                             owed_minor=owed, receivable=receivable)
    taken = min(fee.amount_minor, deposit_balance_minor(dealer))
    txn = None
    if taken > 0:
        txn, _created = ledger_post(idempotency_key=key, kind=kind, sale=sale, memo=memo,
                             entries=[(deposit_account(dealer), -taken),
                                      (ledger_account(LedgerAccount.Kind.PLATFORM_FEES), taken)])
    owed = fee.amount_minor - taken
    if owed > 0:
        owed_txn, _created = ledger_post(
            idempotency_key=f"{key}:owed", kind=LedgerTransaction.Kind.FEE_OWED, sale=sale,
            memo=f"{memo}: {Money(owed, fee.currency).format()} more than the deposit held, owed",
            entries=[(ledger_account(LedgerAccount.Kind.DEALER, dealer), -owed),
                     (ledger_account(LedgerAccount.Kind.PLATFORM_FEES), owed)])
        receivable = DealerReceivable.objects.create(
            dealer=dealer, sale=sale, kind=kind, fee_minor=fee.amount_minor, amount_minor=owed,
            currency=fee.currency, ledger_transaction=owed_txn, created_at=db_now())
        audit_record(obj=receivable, action=AuditLog.Action.CREATE, actor=None, to_state=receivable.status,
                     reason=memo, data={"fee_minor": fee.amount_minor, "taken_minor": taken, "owed_minor": owed,
                                        "sale": sale.pk})
        tell_on_commit([dealer.pk], kind="fee_owed", url=reverse("payments:deposit"),
                       event_key=f"dealer-receivable:{receivable.pk}",
                       title=translatable("You owe Gavel {amount}", amount=Money(owed, fee.currency)),
                       body=translatable("{memo}. The published fee is {fee}; your deposit held {taken}. You cannot "
                                         "bid or buy until the rest is paid: top up your deposit and the top-up pays "
                                         "this first.", memo=memo_told or memo, fee=fee,
                                         taken=Money(taken, fee.currency)))
    if taken > 0 or owed > 0:
        _limit_refresh(dealer, reason=memo)
    return DepositCharge(fee_minor=fee.amount_minor, taken_minor=taken, ledger_transaction=txn, owed_minor=owed,
                         receivable=receivable)
