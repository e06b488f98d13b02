"""With a real Celery worker: the handover queues the payout on commit and the worker pays the seller once."""

import time

import pytest

from payments import services
from payments.ledger import ledger_check_invariants
from payments.models import LedgerTransaction, PayoutTransfer, Sale
from payments.tasks import payout_release_task
from tests.accounts.factories import StaffFactory
from tests.payments.factories import pay_by_card, sold_auction


@pytest.mark.postgres
def test_a_real_worker_releases_the_payout_after_the_handover_exactly_once(celery_worker_process):
    sale = Sale.objects.get(auction=sold_auction())
    pay_by_card(sale)
    services.handover_confirm(sale=sale, actor=StaffFactory())  # commits; the task goes to the worker
    for _ in range(3):
        payout_release_task.delay(sale.pk)  # redeliveries and duplicate triggers
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sale.refresh_from_db()
        if sale.payout_status == Sale.PayoutStatus.SENT:
            break
        time.sleep(0.2)
    assert sale.status == Sale.Status.PAID_OUT and sale.payout_status == Sale.PayoutStatus.SENT
    # A duplicate trigger still running finds the payout sent (or gets the same transfer back): never a second.
    assert PayoutTransfer.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).count() == 1
    assert ledger_check_invariants() == []
