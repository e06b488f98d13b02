"""The seller is paid exactly once: repeated tasks, failures, a worker dying mid-way, retries."""

import pytest

from core.exceptions import ApplicationError
from core.models import AuditLog
from payments import services
from payments.ledger import account_balance, ledger_account
from payments.models import LedgerAccount, LedgerTransaction, PayoutTransfer, Sale
from payments.tasks import payout_release_task, payouts_release_pending_task
from tests.accounts.factories import StaffFactory
from tests.payments.factories import assert_books_balance, hand_over, pay_by_card


@pytest.fixture
def handed_over_with_bank_down(make_sale, settings, django_capture_on_commit_callbacks):
    settings.GAVEL_PAYOUT_PROVIDER = "tests.payments.doubles.BankDownPayoutProvider"
    sale = make_sale()
    pay_by_card(sale)
    return hand_over(sale, django_capture_on_commit_callbacks)


def test_repeated_payout_tasks_pay_once(make_sale, django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    for _ in range(3):
        payout_release_task.apply(args=(sale.pk,))
        services.payout_release(sale_id=sale.pk)
    assert PayoutTransfer.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).count() == 1
    sale.refresh_from_db()
    assert sale.payout_attempts == 1
    assert_books_balance()


def test_a_failed_payout_is_marked_failed_keeps_the_money_in_escrow_and_staff_retry_it(
        handed_over_with_bank_down, settings):
    sale = handed_over_with_bank_down
    assert sale.status == Sale.Status.HANDED_OVER
    assert sale.payout_status == Sale.PayoutStatus.FAILED and "unreachable" in sale.payout_last_error
    assert account_balance(ledger_account(LedgerAccount.Kind.ESCROW)) == sale.amount_due_minor
    assert_books_balance()
    assert services.payouts_due_ids() == [sale.pk]

    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"
    staff = StaffFactory()
    sale = services.payout_retry(sale=sale, actor=staff, reason="Bank is back")
    assert sale.status == Sale.Status.PAID_OUT and sale.payout_status == Sale.PayoutStatus.SENT
    assert sale.payout_attempts == 4  # the task's first run and its two quick retries, then this one
    assert AuditLog.objects.for_object(sale).filter(actor=staff, reason="Bank is back").exists()
    assert services.payouts_due_ids() == []
    with pytest.raises(ApplicationError) as refused:
        services.payout_retry(sale=sale, actor=staff)
    assert refused.value.code == "no_payout_to_retry"
    assert_books_balance()


def test_a_worker_killed_after_the_bank_recorded_the_transfer_is_retried_and_pays_once(make_sale, settings):
    sale = make_sale()
    pay_by_card(sale)
    settings.GAVEL_PAYOUT_PROVIDER = "tests.payments.doubles.DiesAfterTheBankPayoutProvider"
    services.handover_confirm(sale=sale, actor=StaffFactory())  # its on-commit task is not run here
    with pytest.raises(SystemExit):
        services.payout_release(sale_id=sale.pk)
    sale.refresh_from_db()
    # The intent is on record; the bank has the transfer; our books do not have it yet.
    assert sale.payout_status == Sale.PayoutStatus.SENDING
    assert PayoutTransfer.objects.count() == 1
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).exists()
    assert_books_balance()

    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"
    payouts_release_pending_task.apply()
    sale.refresh_from_db()
    assert sale.payout_status == Sale.PayoutStatus.SENT
    assert PayoutTransfer.objects.count() == 1
    assert sale.payout_reference == PayoutTransfer.objects.get().reference
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).count() == 1
    assert_books_balance()


def test_the_beat_sweep_stops_retrying_after_the_attempt_limit(handed_over_with_bank_down, settings):
    sale = handed_over_with_bank_down
    settings.GAVEL_PAYOUT_MAX_ATTEMPTS = 3
    for _ in range(5):
        payouts_release_pending_task.apply()
    sale.refresh_from_db()
    assert sale.payout_attempts == 3 and sale.payout_status == Sale.PayoutStatus.FAILED
    assert services.payouts_due_ids() == []
    assert_books_balance()


def test_nothing_is_paid_out_before_the_handover(make_sale):
    sale = make_sale()
    pay_by_card(sale)
    services.payout_release(sale_id=sale.pk)
    assert not PayoutTransfer.objects.exists()
    sale.refresh_from_db()
    assert sale.payout_status == Sale.PayoutStatus.PENDING
