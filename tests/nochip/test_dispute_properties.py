"""Disputes after the handover as a property, through the services on PostgreSQL: for any findings at the
collection check (the seller accepts or lets the deadline pass) and then any findings in a dispute (staff decide the
computed refund),

- what the dealer got back in all (adjustment + dispute refund) never exceeds the hammer price;
- a dispute never pays for what the report disclosed, or for what the accepted adjustment already paid for, at the
  same or a higher severity; every finding it pays for is one the rules counted;
- the deductible is borne once per sale: adjustment and dispute together never take off more than it;
- a dispute the rules refuse writes nothing (no dispute row, the sale as it was);
- the inspection guarantee pays the refund (the inspection missed it), never the seller: no seller receivable;
- the ledger balances and ledger_check is clean.

Deterministic (derandomized) and bounded: each example walks a real published report to the handover."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.exceptions import ApplicationError
from inspections.repair_cost import severity_rank
from payments import services as payment_services
from payments.fee_schedule import fee_schedule_load
from payments.ledger import ledger_check_invariants
from payments.models import AdjustmentRequest, Dispute, GuaranteeClaim, LedgerEntry, Sale, SellerReceivable
from payments.services.adjustments import (
    FindingInput,
    adjustment_decide,
    adjustment_request_open,
    adjustment_requests_lapse_due,
    collection_check_record,
)
from tests.accounts.factories import StaffFactory
from tests.nochip.test_deposits import deposit_dealer
from tests.payments.factories import finding_photo
from tests.promises.report_sale import BRAKES, sold_car

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
DEDUCTIBLE = fee_schedule_load().for_currency("EUR").deductible_minor
DOOR_DENT = "damage.door_fl.dent"  # the report disclosed it as major
REPORT_DISCLOSED = {BRAKES: "minor", DOOR_DENT: "major"}
KEYS = [DOOR_DENT, BRAKES, "glass_lights.windscreen", "damage.roof.dent", "transmission.gearbox_noise",
        "engine.turbo", "brakes.pads_front"]

finding_lists = st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(["minor", "major"]), st.integers(0, 1)),
                         max_size=3, unique_by=lambda f: f[0])


def inputs(recorded):
    return [FindingInput(key, severity, tuple(finding_photo() for _ in range(count)))
            for key, severity, count in recorded]


def covered(key: str, severity: str, *disclosures: dict) -> bool:
    return any(key in d and severity_rank(d[key]) >= severity_rank(severity) for d in disclosures)


@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(at_collection=finding_lists, lapse=st.booleans(), in_dispute=finding_lists)
def test_a_dispute_never_pays_more_than_the_hammer_nor_for_what_was_disclosed_and_the_ledger_balances(
        django_capture_on_commit_callbacks, at_collection, lapse, in_dispute):
    with transaction.atomic():  # each example starts from nothing and leaves nothing behind
        sale = sold_car(django_capture_on_commit_callbacks, handed_over=False, buyer=deposit_dealer(2_000_00)).sale
        hammer = sale.hammer_price_minor
        collection_check_record(sale=sale, dealer=sale.buyer, vin_on_car=sale.listing.vin,
                                odometer_km=sale.listing.mileage_km, vin_photos=[finding_photo()],
                                odometer_photos=[finding_photo()], findings=inputs(at_collection))
        paid_for: dict[str, str] = {}
        try:
            request = adjustment_request_open(sale=sale, dealer=sale.buyer)
        except ApplicationError:
            event("no adjustment")
        else:
            paid_for = {f["key"]: f["severity"] for f in request.computation["findings"]
                        if f["decision"] == "claimable"}
            if lapse:
                AdjustmentRequest.objects.filter(pk=request.pk).update(deadline=request.deadline - timedelta(days=3))
                adjustment_requests_lapse_due()
            else:
                with django_capture_on_commit_callbacks(execute=True):
                    adjustment_decide(request=request, seller=sale.seller, accept=True)
            event("adjusted")
        with django_capture_on_commit_callbacks(execute=True):
            payment_services.handover_confirm(sale=sale, actor=sale.seller)
            payment_services.handover_confirm(sale=sale, actor=sale.buyer)
        sale.refresh_from_db()
        before = (sale.status, sale.refunded_minor)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                dispute = payment_services.dispute_open(sale=sale, dealer=sale.buyer, findings=inputs(in_dispute),
                                                        reason="Found after the handover, not in the report.")
        except ApplicationError:
            event("dispute refused")
            sale.refresh_from_db()
            assert not Dispute.objects.filter(sale=sale).exists()
            assert (sale.status, sale.refunded_minor) == before
        else:
            event("dispute opened")
            counted = [f for f in dispute.computation["findings"] if f["decision"] == "claimable"]
            assert len(counted) == len(in_dispute), "every finding of an opened dispute is one the rules count"
            for finding in counted:
                assert not covered(finding["key"], finding["severity"], REPORT_DISCLOSED, paid_for)
            with django_capture_on_commit_callbacks(execute=True):
                payment_services.dispute_resolve(dispute=dispute, actor=StaffFactory())
            dispute.refresh_from_db()
            assert dispute.refund_minor == dispute.computed_minor and not dispute.overridden
            assert GuaranteeClaim.objects.get(dispute=dispute).amount_minor == dispute.refund_minor
            assert not SellerReceivable.objects.filter(sale=sale).exists()
        sale.refresh_from_db()
        refunds = sale.adjustment_minor + sum(Dispute.objects.filter(sale=sale).values_list("refund_minor", flat=True))
        assert refunds <= hammer
        deductible = sale.deductible_used_minor + sum(
            Dispute.objects.filter(sale=sale).values_list("deductible_applied_minor", flat=True))
        assert deductible <= DEDUCTIBLE
        assert sale.status in (Sale.Status.PAID_OUT, Sale.Status.HANDED_OVER, Sale.Status.COMPLETED,
                               Sale.Status.REFUNDED)
        assert LedgerEntry.objects.aggregate(t=Sum("amount_minor"))["t"] == 0
        assert ledger_check_invariants() == []
        transaction.set_rollback(True)
