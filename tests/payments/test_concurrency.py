"""Money moves once under real concurrency (PostgreSQL, real threads), and the books stay right under any
sequence of operations (hypothesis)."""

import threading

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.exceptions import ApplicationError
from payments import services
from payments.ledger import ledger_check_invariants
from payments.models import LedgerTransaction, PayoutTransfer, Sale
from payments.providers.card import simulated_card_event
from tests.accounts.factories import StaffFactory
from tests.payments.factories import dispute_findings, pay_by_card, sold_auction
from tests.shared_setup import RedisSnapshot, example_savepoint


def _run_together(target, n=2):
    barrier = threading.Barrier(n)
    errors = []

    def worker():
        try:
            barrier.wait()
            target()
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _sale():
    auction = sold_auction()  # transactional test: the signal's on-commit receiver runs for real
    return Sale.objects.get(auction=auction)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_confirming_the_same_payment_move_the_money_once():
    sale = _sale()
    payment = services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="card").payment
    body, headers = simulated_card_event(payment_reference=payment.reference, amount_minor=payment.amount_minor,
                                         currency="EUR", event_id="evt_same")
    errors = _run_together(lambda: services.card_webhook_receive(headers=headers, body=body), n=4)
    assert errors == []
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYMENT_RECEIVED).count() == 1
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID
    assert ledger_check_invariants() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payout_triggers_at_once_pay_the_seller_once(settings):
    sale = _sale()
    pay_by_card(sale)
    # The release queued by the handover finds the bank down, so the payout waits, failed; then four
    # triggers (task retry, beat sweep, staff retry, a redelivery) race for it.
    settings.GAVEL_PAYOUT_PROVIDER = "tests.payments.doubles.BankDownPayoutProvider"
    services.handover_confirm(sale=sale, actor=StaffFactory())
    sale.refresh_from_db()
    assert sale.payout_status == Sale.PayoutStatus.FAILED and not PayoutTransfer.objects.exists()
    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"
    errors = _run_together(lambda: services.payout_release(sale_id=sale.pk), n=4)
    assert errors == []
    assert PayoutTransfer.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).count() == 1
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID_OUT and sale.payout_status == Sale.PayoutStatus.SENT
    assert ledger_check_invariants() == []


OPERATIONS = st.lists(st.sampled_from(
    ["pay_card", "pay_bank", "confirm_again", "handover_seller", "handover_buyer", "payout", "dispute",
     "refund", "partial", "reject", "overdue"]), min_size=1, max_size=12)


@pytest.fixture
def sold(django_capture_on_commit_callbacks):
    """A sold car and a member of staff, built once for all the examples (function scope: once per test)."""
    with django_capture_on_commit_callbacks(execute=True):
        auction = sold_auction()
    return Sale.objects.get(auction=auction).pk, StaffFactory(), RedisSnapshot()


@pytest.mark.django_db
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_of_operations_keeps_the_ledger_invariant(operations, sold, django_capture_on_commit_callbacks):
    sale_id, staff, redis_after_sale = sold
    with example_savepoint(redis_after_sale):  # every example starts from the same fresh sale
        _operations_keep_the_ledger_invariant(Sale.objects.get(pk=sale_id), staff, operations,
                                              django_capture_on_commit_callbacks)


def _operations_keep_the_ledger_invariant(sale, staff, operations, django_capture_on_commit_callbacks):
    card = services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="card").payment
    body, headers = simulated_card_event(payment_reference=card.reference, amount_minor=card.amount_minor,
                                         currency="EUR")
    for step in operations:
        sale.refresh_from_db()
        dispute = sale.disputes.filter(status="open").first()
        try:
            with django_capture_on_commit_callbacks(execute=True):
                if step in ("pay_card", "confirm_again"):
                    services.card_webhook_receive(headers=headers, body=body)
                elif step == "pay_bank":
                    services.bank_transfer_confirm(sale=sale, actor=staff, amount_minor=sale.amount_due_minor,
                                                   bank_reference_text=f"B-{sale.pk}")
                elif step == "handover_seller":
                    services.handover_confirm(sale=sale, actor=sale.seller)
                elif step == "handover_buyer":
                    services.handover_confirm(sale=sale, actor=sale.buyer)
                elif step == "payout":
                    services.payout_release(sale_id=sale.pk)
                elif step == "dispute":
                    services.dispute_open(findings=dispute_findings(),
                                          sale=sale, dealer=sale.buyer, reason="Not as described in the report.")
                elif step in ("refund", "partial", "reject") and dispute is not None:
                    services.dispute_resolve(dispute=dispute, actor=staff, outcome=step,
                                             amount_minor=100_00 if step == "partial" else None,
                                             cause="seller_misrepresented", cause_reason="Knew of the defect.",
                                             resolution="A garage confirmed the defect the seller knew of.")
                elif step == "overdue":
                    Sale.objects.filter(pk=sale.pk, status="awaiting_payment").update(
                        payment_deadline=sale.created_at)
                    services.sales_mark_overdue()
        except ApplicationError:
            pass  # a refused step (wrong state) must change nothing
        assert ledger_check_invariants() == [], (operations, step)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(amount_minor), 0) FROM payments_ledgerentry")
        assert cursor.fetchone()[0] == 0
