"""The no-chip records in the dealer and inspector records, from the services to the numbers on the pages: a price
adjustment the dealer requested (accepted, lapsed, refused) and a collection check that cancels the sale, on the
dealer's record; an odometer or VIN flag the collection check confirms, on the inspector's."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from insights import selectors
from insights.records import AdjustmentOutcome, CancelReason, CountedKind
from inspections import services as inspection_services
from payments.fee_schedule import fee_schedule_load
from payments.models import AdjustmentRequest, Sale
from payments.services.adjustments import (
    adjustment_decide,
    adjustment_request_open,
    adjustment_requests_lapse_due,
)
from tests.accounts.factories import StaffFactory
from tests.inspections.factories import ready_inspection
from tests.nochip.test_adjustments import record, windscreen_and_disclosed_dent
from tests.nochip.test_deposits import deposit_dealer
from tests.payments.factories import set_sale_times
from tests.promises.report_sale import HAMMER_MINOR, approve_and_schedule, bid, close, page_client, pay, sold_car

pytestmark = pytest.mark.django_db
LATER = timedelta(days=20)
MARGIN_KM = fee_schedule_load().odometer_margin_km


@pytest.fixture(autouse=True)
def _eager(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def paid(django_capture_on_commit_callbacks):
    """A car sold on a published report to a dealer with a €2,000 deposit, paid, at the collection."""
    return sold_car(django_capture_on_commit_callbacks, handed_over=False, buyer=deposit_dealer(2_000_00)).sale


def _record(dealer_id):
    return selectors.dealer_record_get(dealer_id=dealer_id, as_of=timezone.now() + LATER)


def _events(sale):
    return {e.sale_ref: e for e in selectors.dealer_sale_events(
        dealer_ids=[sale.buyer_id], as_of=timezone.localtime() + LATER)[sale.buyer_id]}[f"S-{sale.pk}"]


def test_an_accepted_adjustment_is_requested_and_accepted_on_the_dealer_record_and_costs_no_points(paid):
    record(paid, windscreen_and_disclosed_dent())
    request = adjustment_request_open(sale=paid, dealer=paid.buyer)
    adjustment_decide(request=request, seller=paid.seller, accept=True)

    (adjustment,) = _events(paid).adjustments
    assert adjustment.outcome == AdjustmentOutcome.ACCEPTED and adjustment.decided_at is not None
    dealer_record = _record(paid.buyer_id)
    assert (dealer_record.adjustments_requested.count, dealer_record.adjustments_accepted.count) == (1, 1)
    assert dealer_record.adjustments_accepted.per_100 == 100
    assert dealer_record.counted_against == () and dealer_record.sales[0].points == 100
    (shown,) = dealer_record.shown_not_scored
    assert (shown.kind, shown.sale_ref, shown.points) == (CountedKind.ADJUSTMENT_REQUESTED, f"S-{paid.pk}", 0)
    assert shown.text == "Price adjustment requested at the collection: accepted (not scored)."


def test_an_adjustment_the_seller_left_unanswered_applies_and_counts_as_accepted(paid):
    record(paid, windscreen_and_disclosed_dent())
    request = adjustment_request_open(sale=paid, dealer=paid.buyer)
    AdjustmentRequest.objects.filter(pk=request.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert adjustment_requests_lapse_due() == 1
    dealer_record = _record(paid.buyer_id)
    assert (dealer_record.adjustments_requested.count, dealer_record.adjustments_accepted.count) == (1, 1)


def test_a_refused_adjustment_cancels_the_sale_for_a_reason_that_is_not_the_dealers(paid):
    record(paid, windscreen_and_disclosed_dent())
    adjustment_decide(request=adjustment_request_open(sale=paid, dealer=paid.buyer), seller=paid.seller,
                      accept=False)
    events = _events(paid)
    assert events.cancel_reason == CancelReason.ADJUSTMENT_REFUSED
    assert [a.outcome for a in events.adjustments] == [AdjustmentOutcome.REFUSED]
    dealer_record = _record(paid.buyer_id)
    assert (dealer_record.adjustments_requested.count, dealer_record.adjustments_accepted.count) == (1, 0)
    assert dealer_record.cancelled_unpaid.count == 0 and dealer_record.paid_on_time.count == 1
    assert dealer_record.counted_against == ()
    assert dealer_record.shown_not_scored[0].text == (
        "Price adjustment requested at the collection: refused (not scored).")


def test_a_pending_adjustment_is_requested_not_yet_accepted(paid):
    record(paid, windscreen_and_disclosed_dent())
    adjustment_request_open(sale=paid, dealer=paid.buyer)
    dealer_record = _record(paid.buyer_id)
    assert (dealer_record.adjustments_requested.count, dealer_record.adjustments_accepted.count) == (1, 0)
    assert "waiting for the seller's answer" in dealer_record.shown_not_scored[0].text


def test_a_late_payer_whose_car_was_not_as_described_is_paid_late_not_cancelled_unpaid(
        django_capture_on_commit_callbacks):
    # Paid after the deadline (the sweep marked it overdue first), then cancelled at the collection: before, the
    # overdue mark made the cancellation read "unpaid" while the sale had a payment — and the record refused it.
    car = sold_car(django_capture_on_commit_callbacks, paid=False, handed_over=False)
    sale = car.sale
    set_sale_times(sale, payment_deadline=timezone.now() - timedelta(days=1))
    from payments import services

    with django_capture_on_commit_callbacks(execute=True):
        services.sales_mark_overdue()
    pay(sale, django_capture_on_commit_callbacks)
    sale.refresh_from_db()
    assert sale.overdue_at is not None and sale.status == Sale.Status.PAID
    record(sale, vin="WVWZZZ1JZXW000001")
    sale.refresh_from_db()
    assert sale.status == Sale.Status.CANCELLED

    assert _events(sale).cancel_reason == CancelReason.CAR_NOT_AS_DESCRIBED
    dealer_record = _record(sale.buyer_id)
    assert [e.kind for e in dealer_record.counted_against] == [CountedKind.PAID_LATE]
    assert dealer_record.cancelled_unpaid.count == 0


def test_the_dealer_sees_the_adjustment_on_their_dashboard_and_the_seller_the_rates(paid, page_client_for):
    record(paid, windscreen_and_disclosed_dent())
    adjustment_decide(request=adjustment_request_open(sale=paid, dealer=paid.buyer), seller=paid.seller, accept=True)
    text = page_client_for(paid.buyer).get(reverse("auctions:dashboard")).content.decode()
    assert "Adjustments requested / accepted</dt><dd>1 (100.0 per 100 sales) / 1 (100.0 per 100 sales)" in text
    assert "data-shown-events" in text and f"S-{paid.pk}" in text
    assert "Price adjustment requested at the collection: accepted (not scored)." in text
    seller_page = page_client_for(paid.seller).get(reverse("auctions:detail", args=[paid.auction_id]))
    seller_text = seller_page.content.decode()
    assert "1 (100.0 per 100 sales) / 1 (100.0 per 100 sales)" in seller_text
    assert "data-shown-events" not in seller_text  # the list is the dealer's own


@pytest.fixture
def page_client_for():
    return page_client


# ---------------------------------------------------------------------------------------------------------------
# The inspector record: flags confirmed at the collection


def flagged_sale(capture, *, facts):
    """A car whose published report raises a flag (the inspector's facts are not the listing's: 100,000 km and
    its VIN), sold on that report and paid, at the collection."""
    inspection = ready_inspection(facts=facts)
    report = inspection_services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    inspection.refresh_from_db()
    auction = approve_and_schedule(page_client(StaffFactory()), inspection)
    bid(deposit_dealer(2_000_00), auction, HAMMER_MINOR)
    sale = close(auction, capture)
    pay(sale, capture)
    sale.refresh_from_db()
    assert sale.report_id == report.pk
    return inspection, report, sale


def _inspector(inspection):
    return selectors.inspector_records(inspector_ids=[inspection.inspector_id],
                                       as_of=timezone.now() + LATER)[inspection.inspector_id]


INSPECTED_KM = 100_000 + 3 * MARGIN_KM  # the seller's figure (100,000 km) was wrong
OTHER_VIN = "WVWZZZ1JZXW000001"


def test_an_odometer_flag_is_confirmed_when_the_dealer_reads_what_the_inspector_read(
        django_capture_on_commit_callbacks, page_client_for):
    inspection, report, sale = flagged_sale(django_capture_on_commit_callbacks, facts={"odometer_km": INSPECTED_KM})
    assert report.flag_odometer and not report.flag_vin_mismatch
    assert (_inspector(inspection).odometer_flags, _inspector(inspection).odometer_flags_confirmed) == (1, 0)

    check = record(sale, odometer=INSPECTED_KM + MARGIN_KM)  # within the margin of the inspector's reading
    assert check.outcome == "nothing_to_claim"
    inspector_record = _inspector(inspection)
    assert (inspector_record.odometer_flags, inspector_record.odometer_flags_confirmed) == (1, 1)
    assert (inspector_record.vin_flags, inspector_record.vin_flags_confirmed) == (0, 0)
    (events,) = selectors.inspector_report_events(inspector_ids=[inspection.inspector_id],
                                                  as_of=timezone.localtime() + LATER)[inspection.inspector_id]
    assert events.odometer_confirmed_at == timezone.localtime(check.recorded_at)

    staff_text = page_client_for(StaffFactory()).get(reverse("insights:inspectors")).content.decode()
    assert "Odometer flags (confirmed)</dt><dd>1 (1)" in staff_text


def test_an_odometer_flag_the_collection_contradicts_is_not_confirmed(django_capture_on_commit_callbacks):
    inspection, _, sale = flagged_sale(django_capture_on_commit_callbacks, facts={"odometer_km": INSPECTED_KM})
    check = record(sale, odometer=100_000)  # the seller's figure after all: the inspector's reading is off
    assert check.outcome == "cancel_odometer"
    assert (_inspector(inspection).odometer_flags, _inspector(inspection).odometer_flags_confirmed) == (1, 0)


def test_a_vin_flag_is_confirmed_when_the_dealer_finds_the_same_vin(django_capture_on_commit_callbacks,
                                                                     page_client_for):
    inspection, report, sale = flagged_sale(django_capture_on_commit_callbacks, facts={"vin_on_car": OTHER_VIN})
    assert report.flag_vin_mismatch
    check = record(sale, vin=OTHER_VIN)
    assert check.outcome == "cancel_vin_mismatch"
    inspector_record = _inspector(inspection)
    assert (inspector_record.vin_flags, inspector_record.vin_flags_confirmed) == (1, 1)
    staff_text = page_client_for(StaffFactory()).get(reverse("insights:inspectors")).content.decode()
    assert "VIN flags (confirmed)</dt><dd>1 (1)" in staff_text
    # The dealer, whose sale the car not being as described cancelled, loses nothing for it.
    assert _record(sale.buyer_id).counted_against == ()


def test_a_vin_flag_the_collection_contradicts_is_not_confirmed(django_capture_on_commit_callbacks):
    inspection, _, sale = flagged_sale(django_capture_on_commit_callbacks, facts={"vin_on_car": OTHER_VIN})
    record(sale, vin=sale.listing.vin)
    assert (_inspector(inspection).vin_flags, _inspector(inspection).vin_flags_confirmed) == (1, 0)


def test_an_unflagged_report_has_nothing_to_confirm_whatever_the_collection_finds(paid):
    record(paid, vin=OTHER_VIN)
    inspector_id = paid.report.inspection.inspector_id
    inspector_record = selectors.inspector_records(inspector_ids=[inspector_id],
                                                   as_of=timezone.now() + LATER)[inspector_id]
    assert (inspector_record.vin_flags, inspector_record.vin_flags_confirmed) == (0, 0)


@pytest.mark.parametrize("n", [1, 3])
def test_the_inspector_record_reads_its_sources_in_a_fixed_number_of_queries(
        django_capture_on_commit_callbacks, django_assert_num_queries, n):
    inspections = []
    for _ in range(n):
        inspection, _, sale = flagged_sale(django_capture_on_commit_callbacks, facts={"odometer_km": INSPECTED_KM})
        record(sale, odometer=INSPECTED_KM)
        inspections.append(inspection)
    ids = [i.inspector_id for i in inspections]
    with django_assert_num_queries(4):  # the reports, then each source (disputes, checked, flags confirmed)
        records = selectors.inspector_records(inspector_ids=ids, as_of=timezone.now() + LATER)
    assert sum(r.odometer_flags_confirmed for r in records.values()) == n
