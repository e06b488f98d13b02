"""Disputes after the handover by the no-chip rules, from the outside: the computed refund paid by the inspection
guarantee, staff overriding only with a written reason both sides read (audited), the deductible borne once per
sale, the window, and who may do what on the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError, ValidationFailed
from core.models import AuditLog, Notification
from payments import services
from payments.models import Dispute, GuaranteeClaim, Sale, SellerReceivable
from payments.services.adjustments import (
    FindingInput,
    adjustment_decide,
    adjustment_request_open,
    collection_check_record,
)
from tests.accounts.factories import StaffFactory
from tests.nochip.test_deposits import deposit_dealer
from tests.payments.factories import (
    GEARBOX,
    GEARBOX_REFUND_MINOR,
    assert_books_balance,
    dispute_findings,
    finding_photo,
    hand_over,
    set_sale_times,
)
from tests.promises.report_sale import page_client, sold_car

pytestmark = pytest.mark.django_db
REASON = "The gearbox whines in every gear; the report says it is quiet."
WHY = "A garage found the bearing worn before the sale, not the whole gearbox: we refund this part."


@pytest.fixture
def car(django_capture_on_commit_callbacks):
    return sold_car(django_capture_on_commit_callbacks)


def open_dispute(sale, *pairs):
    return services.dispute_open(sale=sale, dealer=sale.buyer, reason=REASON, findings=dispute_findings(*pairs))


def test_staff_apply_the_computed_refund_and_the_inspection_guarantee_pays_it(car, django_capture_on_commit_callbacks):
    dispute = open_dispute(car.sale)
    assert dispute.computed_minor == GEARBOX_REFUND_MINOR
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.dispute_resolve(dispute=dispute, actor=StaffFactory())
    assert (dispute.outcome, dispute.refund_minor, dispute.overridden) == ("partial", GEARBOX_REFUND_MINOR, False)
    assert dispute.cause == Dispute.Cause.INSPECTION_MISSED
    claim = GuaranteeClaim.objects.get(dispute=dispute)
    assert claim.amount_minor == GEARBOX_REFUND_MINOR and claim.inspector == car.inspection.inspector
    assert claim.lines == ["Transmission and drivetrain · Gearbox noise — major"]
    assert not SellerReceivable.objects.exists()
    car.sale.refresh_from_db()
    assert car.sale.status == Sale.Status.COMPLETED and car.sale.guarantee_paid_minor == GEARBOX_REFUND_MINOR
    assert_books_balance()


@pytest.mark.parametrize("decision", [{"outcome": "reject"}, {"outcome": "refund"},
                                      {"outcome": "partial", "amount_minor": 1_000_00}])
def test_any_other_decision_needs_a_written_reason_and_nothing_moves_without_one(car, decision):
    dispute = open_dispute(car.sale)
    for resolution in ("", "   ", "Because."):
        with pytest.raises(ValidationFailed) as refused:
            services.dispute_resolve(dispute=dispute, actor=StaffFactory(), resolution=resolution, **decision)
        assert "resolution" in refused.value.fields
        assert "€2,350.00" in refused.value.fields["resolution"][0]  # the computed figure, in the message
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN and not GuaranteeClaim.objects.exists()
    assert_books_balance()


def test_an_override_is_recorded_audited_and_both_sides_read_why(car, django_capture_on_commit_callbacks):
    dispute = open_dispute(car.sale)
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.dispute_resolve(dispute=dispute, actor=staff, outcome="partial", amount_minor=1_000_00,
                                           resolution=WHY)
    assert (dispute.refund_minor, dispute.overridden, dispute.resolution) == (1_000_00, True, WHY)
    row = AuditLog.objects.for_object(car.sale).filter(actor=staff, reason__startswith="Dispute").last()
    assert row.data["overridden"] is True and row.data["computed_minor"] == GEARBOX_REFUND_MINOR
    assert row.data["override_reason"] == WHY
    for user in (car.sale.buyer, car.sale.seller):
        told = Notification.objects.get(user=user, kind="dispute_resolved")
        assert WHY in told.body and "€2,350.00" in told.body
        page = page_client(user).get(reverse("payments:detail", args=[car.sale.pk])).content.decode()
        assert "data-dispute-override" in page and WHY in page
    assert_books_balance()


def test_after_an_accepted_adjustment_a_dispute_takes_no_deductible_again(django_capture_on_commit_callbacks):
    car = sold_car(django_capture_on_commit_callbacks, handed_over=False, buyer=deposit_dealer(2_000_00))
    sale = car.sale
    collection_check_record(sale=sale, dealer=sale.buyer, vin_on_car=sale.listing.vin,
                            odometer_km=sale.listing.mileage_km, vin_photos=[finding_photo()],
                            odometer_photos=[finding_photo()],
                            findings=[FindingInput("engine.turbo", "major", (finding_photo(),))])
    request = adjustment_request_open(sale=sale, dealer=sale.buyer)
    with django_capture_on_commit_callbacks(execute=True):
        adjustment_decide(request=request, seller=sale.seller, accept=True)
    assert request.amount_minor == 1_800_00 - 150_00
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    # The turbo again: what the adjustment paid for counts as disclosed.
    with pytest.raises(ValidationFailed) as refused:
        open_dispute(sale, ("engine.turbo", "major"))
    assert "Disclosed as major" in refused.value.fields["findings-0-key"][0]
    dispute = open_dispute(sale, (GEARBOX, "major"))
    assert (dispute.computed_minor, dispute.deductible_applied_minor) == (2_500_00, 0)
    assert_books_balance()


def test_no_dispute_after_the_window_and_nothing_written(car):
    set_sale_times(car.sale, handed_over_at=car.sale.handed_over_at - timedelta(days=7, minutes=1))
    with pytest.raises(ApplicationError) as refused:
        open_dispute(car.sale)
    assert refused.value.code == "dispute_window_closed"
    assert not Dispute.objects.exists()


def test_a_finding_without_photo_is_refused_by_name(car):
    with pytest.raises(ValidationFailed) as refused:
        services.dispute_open(sale=car.sale, dealer=car.sale.buyer, reason=REASON,
                              findings=[FindingInput(GEARBOX, "major", ())])
    assert refused.value.fields == {"findings-0-photos": ["Gearbox noise: A finding needs at least one photo."]}
    assert not Dispute.objects.exists()


def test_staff_see_the_computation_in_admin_and_resolve_it_there(car, django_capture_on_commit_callbacks):
    dispute = open_dispute(car.sale)
    staff = page_client(car.staff)
    page = staff.get(reverse("admin:payments_dispute_change", args=[dispute.pk])).content.decode()
    assert "Gearbox noise" in page and "€2,350.00" in page
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("admin:payments_dispute_changelist"), {
            "action": "resolve", "_selected_action": [dispute.pk], "apply": "1", "outcome": "computed",
            "cause": "inspection_missed", "resolution": ""})
    dispute.refresh_from_db()
    assert (dispute.status, dispute.refund_minor, dispute.overridden) == ("resolved", GEARBOX_REFUND_MINOR, False)


def test_only_the_buying_dealer_opens_a_dispute_on_the_page(car):
    for user in (car.sale.seller, StaffFactory()):
        answer = page_client(user).post(reverse("payments:dispute", args=[car.sale.pk]), {"reason": REASON})
        assert answer.status_code in (302, 403, 404)
    assert not Dispute.objects.exists()
