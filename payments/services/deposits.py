"""Dealer deposits: top-up by bank transfer (staff confirm receipt), withdrawal when nothing is pending, and the
fees the deposit pays (break fee, unpaid-sale fee). Every movement is one ledger transaction on the dealer's
deposit account, and every movement tells accounts the buying limit the deposit now gives (deposit × the
published multiple, payments.fee_schedule.buying_limit); the limit's one rule is
accounts.services.dealer_buying_limit_effective.

Lock order: the dealer's profile row first (accounts.services.dealer_deposit_limit_set takes it), so two
movements of one deposit queue there and the balance read after the lock is the current one."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import DealerProfile, User
from accounts.services import dealer_deposit_limit_set, staff_ensure
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.money import AMOUNT_MAX_MINOR, Money, amount_too_large_message
from core.notifications import notify
from core.transitions import transition
from payments.fee_schedule import buying_limit, fee_schedule_load
from payments.ledger import ledger_account, ledger_post
from payments.models import DepositTopUp, DepositWithdrawal, LedgerAccount, LedgerTransaction, Sale
from payments.providers import payout_provider
from payments.references import deposit_reference
from payments.selectors import deposit_balance_minor, deposit_pending_items


class DepositPending(ApplicationError):
    code = "deposit_pending"
    status_code = 409

    def default_message(self):
        return "The deposit cannot be withdrawn while something is pending."


def _dealer_ensure(dealer: User) -> None:
    if not getattr(dealer, "is_authenticated", False) or dealer.role != User.Role.DEALER:
        raise PermissionRefused("Only dealers hold a deposit.", code="not_a_dealer")
    if not DealerProfile.objects.filter(user=dealer).exists():
        raise PermissionRefused("Only dealers hold a deposit.", code="not_a_dealer")


def _amount(amount_minor, field: str = "amount_minor") -> int:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValidationFailed(fields={field: ["Enter an amount above nothing."]})
    if amount_minor > AMOUNT_MAX_MINOR:
        raise ValidationFailed(fields={field: [amount_too_large_message()]})
    return amount_minor


def deposit_account(dealer: User) -> LedgerAccount:
    return ledger_account(LedgerAccount.Kind.DEPOSIT, owner=dealer)


def _limit_refresh(dealer: User, *, reason: str) -> None:
    """Tell accounts what the deposit now gives (inside the movement's transaction)."""
    deposit = Money(deposit_balance_minor(dealer), settings.GAVEL_CURRENCY)
    dealer_deposit_limit_set(dealer_id=dealer.pk, deposit_limit_minor=buying_limit(deposit, fee_schedule_load())
                             .amount_minor, reason=reason)


def _lock_dealer(dealer: User) -> None:
    DealerProfile.objects.select_for_update().filter(user=dealer).first()


def deposit_topup_request(*, dealer: User, amount_minor: int) -> DepositTopUp:
    """The dealer announces a transfer: they get Gavel's bank details and a reference to write on it."""
    _dealer_ensure(dealer)
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
        txn, _ = ledger_post(
            idempotency_key=f"deposit-topup:{topup.pk}", kind=LedgerTransaction.Kind.DEPOSIT_TOPUP,
            entries=[(ledger_account(LedgerAccount.Kind.BANK), -received), (deposit_account(dealer), received)],
            provider="bank_transfer", provider_reference=topup.reference, memo=f"Deposit top-up {topup.reference}")
        transition(topup, DepositTopUp.Status.CONFIRMED, actor=actor, reason="Transfer received",
                   updates={"confirmed_at": db_now(), "confirmed_by": actor, "received_minor": received,
                            "ledger_transaction": txn})
        _limit_refresh(dealer, reason=f"Deposit top-up {topup.reference} received")
        notify(user=dealer, kind="deposit_topup",
               title=f"{Money(received, topup.currency).format()} arrived in your deposit",
               body="Your buying limit is updated.", url=reverse("payments:deposit"),
               event_key=f"deposit-topup:{topup.pk}")
    return topup


def deposit_withdraw(*, dealer: User, amount_minor: int) -> DepositWithdrawal:
    """Send (part of) the deposit back to the dealer's bank, when nothing is pending (deposit → bank)."""
    _dealer_ensure(dealer)
    amount_minor = _amount(amount_minor)
    with transaction.atomic():
        _lock_dealer(dealer)
        pending = deposit_pending_items(dealer=dealer)
        if pending.anything:
            raise DepositPending(" ".join(pending.sentences()))
        balance = deposit_balance_minor(dealer)
        if amount_minor > balance:
            raise ValidationFailed(fields={"amount_minor": [
                f"Your deposit holds {Money.of(balance).format()}; you can withdraw at most that."]})
        count = DepositWithdrawal.objects.filter(dealer=dealer).count()
        key = f"deposit-withdrawal:{dealer.pk}:{count + 1}"
        sent = payout_provider().send(idempotency_key=key, payee=dealer, amount_minor=amount_minor,
                                      currency=settings.GAVEL_CURRENCY, memo="Gavel deposit withdrawal")
        txn, _ = ledger_post(
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


def deposit_charge(*, dealer: User, kind: str, fee: Money, sale: Sale, memo: str) -> DepositCharge:
    """Take a published fee (break fee, unpaid-sale fee) from the dealer's deposit into platform fees: as much
    of it as the deposit holds. Once per sale and kind. Call inside the transaction that decided it."""
    if kind not in (LedgerTransaction.Kind.BREAK_FEE, LedgerTransaction.Kind.UNPAID_SALE_FEE):
        raise ValueError(f"{kind!r} is not a fee the deposit pays.")
    key = f"{kind}:{sale.pk}"
    _lock_dealer(dealer)
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        taken = -sum(e.amount_minor for e in existing.entries.filter(account__kind=LedgerAccount.Kind.DEPOSIT))
        return DepositCharge(fee_minor=fee.amount_minor, taken_minor=taken, ledger_transaction=existing)
    taken = min(fee.amount_minor, deposit_balance_minor(dealer))
    if taken <= 0:
        return DepositCharge(fee_minor=fee.amount_minor, taken_minor=0, ledger_transaction=None)
    txn, _ = ledger_post(idempotency_key=key, kind=kind, sale=sale, memo=memo,
                         entries=[(deposit_account(dealer), -taken),
                                  (ledger_account(LedgerAccount.Kind.PLATFORM_FEES), taken)])
    _limit_refresh(dealer, reason=memo)
    return DepositCharge(fee_minor=fee.amount_minor, taken_minor=taken, ledger_transaction=txn)
