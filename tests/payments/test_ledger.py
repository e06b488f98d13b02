import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.exceptions import ApplicationError, ValidationFailed
from payments.ledger import account_balance, ledger_account, ledger_check_invariants, ledger_post
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from tests.accounts.factories import DealerFactory


@pytest.fixture
def accounts(db):
    return (ledger_account(LedgerAccount.Kind.BANK), ledger_account(LedgerAccount.Kind.ESCROW),
            ledger_account(LedgerAccount.Kind.DEALER, DealerFactory()))


def test_a_balanced_transaction_is_written_and_balances_are_sums(accounts):
    bank, escrow, dealer = accounts
    txn, created = ledger_post(idempotency_key="k1", kind="payment_received", provider="card",
                               provider_reference="ch_1",
                               entries=[(bank, -100), (dealer, 100), (dealer, -100), (escrow, 100)])
    assert created and txn.entries.count() == 4
    assert (account_balance(bank), account_balance(escrow), account_balance(dealer)) == (-100, 100, 0)
    assert ledger_check_invariants() == [
        "Escrow holds €1.00 but paid, not-yet-paid-out sales (minus refunds) come to €0.00."]


@pytest.mark.parametrize("entries", [[], [("bank", -100), ("escrow", 99)], [("bank", 0), ("escrow", 0)]])
def test_unbalanced_or_empty_transactions_are_refused(accounts, entries):
    named = {"bank": accounts[0], "escrow": accounts[1]}
    with pytest.raises(ValidationFailed):
        ledger_post(idempotency_key="k", kind="payment_received",
                    entries=[(named[name], amount) for name, amount in entries])
    assert not LedgerTransaction.objects.exists()


def test_an_account_in_another_currency_is_refused(accounts):
    bank, escrow, _ = accounts
    LedgerAccount.objects.filter(pk=escrow.pk).update(currency="GBP")
    escrow.refresh_from_db()
    with pytest.raises(ValidationFailed):
        ledger_post(idempotency_key="k", kind="payment_received", entries=[(bank, -1), (escrow, 1)])
    assert "is not in EUR" in " ".join(ledger_check_invariants())


def test_the_same_key_returns_the_first_transaction_without_writing(accounts):
    bank, escrow, _ = accounts
    first, created = ledger_post(idempotency_key="pay-1", kind="payment_received", entries=[(bank, -5), (escrow, 5)])
    again, created_again = ledger_post(idempotency_key="pay-1", kind="payment_received",
                                       entries=[(escrow, 5), (bank, -5)])
    assert created and not created_again and again == first
    assert LedgerEntry.objects.count() == 2


def test_the_same_key_with_different_entries_is_a_409(accounts):
    bank, escrow, _ = accounts
    ledger_post(idempotency_key="pay-1", kind="payment_received", entries=[(bank, -5), (escrow, 5)])
    with pytest.raises(ApplicationError) as refused:
        ledger_post(idempotency_key="pay-1", kind="payment_received", entries=[(bank, -6), (escrow, 6)])
    assert (refused.value.code, refused.value.status_code) == ("idempotency_key_reused", 409)


def test_ledger_rows_are_append_only_in_python(accounts):
    bank, escrow, _ = accounts
    txn, _ = ledger_post(idempotency_key="k", kind="payment_received", entries=[(bank, -5), (escrow, 5)])
    entry = txn.entries.first()
    for attempt in (lambda: entry.save(), entry.delete, txn.delete, lambda: txn.save(),
                    lambda: LedgerEntry.objects.update(amount_minor=1), LedgerEntry.objects.all().delete,
                    lambda: LedgerTransaction.objects.filter(pk=txn.pk).update(memo="x")):
        with pytest.raises(TypeError):
            attempt()


@pytest.mark.postgres
def test_postgresql_refuses_updates_and_deletes_of_ledger_rows_even_in_raw_sql(accounts):
    bank, escrow, _ = accounts
    ledger_post(idempotency_key="k", kind="payment_received", entries=[(bank, -5), (escrow, 5)])
    for sql in ("UPDATE payments_ledgerentry SET amount_minor = 7", "DELETE FROM payments_ledgerentry",
                "UPDATE payments_ledgertransaction SET memo = 'x'", "DELETE FROM payments_ledgertransaction"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert LedgerEntry.objects.filter(amount_minor__in=[-5, 5]).count() == 2


def test_the_invariant_check_finds_a_transaction_that_does_not_balance(accounts):
    bank, _, _ = accounts
    txn = LedgerTransaction.objects.create(idempotency_key="forged", kind="payment_received")
    LedgerEntry.objects.create(transaction=txn, account=bank, amount_minor=-3)
    problems = ledger_check_invariants()
    assert "Transaction forged sums to -€0.03, not 0." in problems
    assert "All entries sum to -€0.03, not 0." in problems
    with pytest.raises(CommandError):
        call_command("ledger_check")


def test_the_ledger_check_command_prints_ok_for_clean_books(db, capsys):
    call_command("ledger_check")
    assert capsys.readouterr().out.strip() == "OK"


def test_accounts_are_one_per_kind_and_owner(db):
    dealer = DealerFactory()
    assert ledger_account(LedgerAccount.Kind.DEALER, dealer) == ledger_account(LedgerAccount.Kind.DEALER, dealer)
    assert ledger_account(LedgerAccount.Kind.ESCROW) == ledger_account(LedgerAccount.Kind.ESCROW)
    with pytest.raises(ValueError):
        ledger_account(LedgerAccount.Kind.DEALER)
    with pytest.raises(ValueError):
        ledger_account(LedgerAccount.Kind.ESCROW, dealer)
