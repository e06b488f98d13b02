"""The no-chip promise as a property, through the services on PostgreSQL: for any findings at the collection
check and any answer of the seller (accept, refuse, no answer by the deadline), then the handover and the payout,

- the seller's final amount ≥ the hammer price − Σ the table cost of the undisclosed findings an accepted
  adjustment paid for − the deductible (in fact ≥ hammer − (Σ − the deductible applied));
- a refusal costs the seller nothing: no payout, nothing owed, the car theirs again;
- the buyer fee is always that of the hammer price;
- the ledger balances (every transaction and all entries sum to zero) and ledger_check is clean.

Deterministic (derandomized) and bounded."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.exceptions import ApplicationError
from core.money import Money
from marketplace.models import Listing
from payments import services as payment_services
from payments.fee_schedule import buyer_fee, fee_schedule_load
from payments.ledger import ledger_check_invariants
from payments.models import AdjustmentRequest, LedgerEntry, PayoutTransfer, Sale, SellerReceivable
from payments.services.adjustments import (
    FindingInput,
    adjustment_decide,
    adjustment_request_open,
    adjustment_requests_lapse_due,
    collection_check_record,
)
from tests.marketplace.images import jpeg_bytes
from tests.nochip.test_deposits import deposit_dealer
from tests.promises.report_sale import sold_car

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
SCHEDULE = fee_schedule_load()
DEDUCTIBLE = SCHEDULE.for_currency("EUR").deductible_minor
KEYS = ["damage.door_fl.dent", "glass_lights.windscreen", "brakes.discs_front", "damage.roof.dent",
        "damage.front_bumper.scratch"]

findings = st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(["minor", "major"]), st.integers(0, 1)),
                    max_size=4, unique_by=lambda f: f[0])
answers = st.sampled_from(["accept", "refuse", "lapse"])


def photo():
    return SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(recorded=findings, answer=answers)
def test_the_seller_never_gets_less_than_the_table_allows_and_the_ledger_balances(
        django_capture_on_commit_callbacks, recorded, answer):
    with transaction.atomic():  # each example starts from nothing and leaves nothing behind
        sale = sold_car(django_capture_on_commit_callbacks, handed_over=False, buyer=deposit_dealer(2_000_00)).sale
        hammer = sale.hammer_price_minor
        check = collection_check_record(
            sale=sale, dealer=sale.buyer, vin_on_car=sale.listing.vin, odometer_km=sale.listing.mileage_km,
            vin_photos=[photo()], odometer_photos=[photo()],
            findings=[FindingInput(key, severity, tuple(photo() for _ in range(count)))
                      for key, severity, count in recorded])
        paid_for = 0
        try:
            request = adjustment_request_open(sale=sale, dealer=sale.buyer)
        except ApplicationError:
            request = None
            event("nothing to claim")
        if request is not None:
            paid_for = sum(f["table_cost_minor"] for f in request.computation["findings"]
                           if f["decision"] == "claimable")
            if answer == "lapse":
                AdjustmentRequest.objects.filter(pk=request.pk).update(deadline=request.deadline - timedelta(days=3))
                adjustment_requests_lapse_due()
            else:
                with django_capture_on_commit_callbacks(execute=True):
                    adjustment_decide(request=request, seller=sale.seller, accept=answer == "accept")
            event(f"the seller: {answer}")
        sale.refresh_from_db()
        assert sale.buyer_fee_minor == buyer_fee(Money(hammer, "EUR"), SCHEDULE).amount_minor
        if sale.status == Sale.Status.CANCELLED:
            assert not PayoutTransfer.objects.filter(payee=sale.seller).exists()
            assert not SellerReceivable.objects.filter(seller=sale.seller).exists()
            assert Listing.objects.get(pk=sale.listing_id).status == Listing.Status.UNSOLD
        else:
            payment_services.handover_confirm(sale=sale, actor=sale.seller)
            payment_services.handover_confirm(sale=sale, actor=sale.buyer)
            payment_services.payout_release(sale_id=sale.pk)
            received = PayoutTransfer.objects.filter(payee=sale.seller).aggregate(t=Sum("amount_minor"))["t"] or 0
            assert received >= hammer - paid_for - DEDUCTIBLE
            assert received >= hammer - max(paid_for - check.computation["deductible_applied_minor"], 0)
        assert LedgerEntry.objects.aggregate(t=Sum("amount_minor"))["t"] == 0
        assert ledger_check_invariants() == []
        transaction.set_rollback(True)
