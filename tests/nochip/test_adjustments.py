"""The collection check and the price adjustment, through the services and on a car whose report was really
published (tests/promises/report_sale.py: front discs "minor: worn" and a major dent on the front left door are
disclosed). Every money movement is in the ledger and ledger_check is clean after each test."""

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from inspections.repair_cost import repair_cost_table_load
from marketplace.models import Listing
from payments.fee_schedule import fee_schedule_load
from payments.models import AdjustmentRequest, CollectionCheck, CollectionPhoto, LedgerTransaction, Sale
from payments.selectors import deposit_balance_minor
from payments.services.adjustments import (
    FindingInput,
    adjustment_decide,
    adjustment_request_open,
    adjustment_requests_lapse_due,
    collection_check_record,
)
from payments.services.payouts import payout_amounts
from tests.accounts.factories import SellerFactory
from tests.marketplace.images import jpeg_bytes
from tests.nochip.test_deposits import deposit_dealer
from tests.payments.factories import assert_books_balance, set_sale_times
from tests.promises.report_sale import sold_car

pytestmark = pytest.mark.django_db
TABLE, SCHEDULE = repair_cost_table_load(), fee_schedule_load()
WINDSCREEN = "glass_lights.windscreen"
DOOR_DENT = "damage.door_fl.dent"


def photo(name="p.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


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
    """A car with a published report, sold to a dealer with a €2,000 deposit, paid, not yet handed over."""
    return sold_car(django_capture_on_commit_callbacks, handed_over=False, buyer=deposit_dealer(2_000_00)).sale


def record(sale, findings=(), *, vin=None, odometer=None, dealer=None):
    return collection_check_record(
        sale=sale, dealer=dealer or sale.buyer, vin_on_car=vin or sale.listing.vin,
        odometer_km=odometer if odometer is not None else sale.listing.mileage_km, vin_photos=[photo()],
        odometer_photos=[photo()], findings=findings)


def windscreen_and_disclosed_dent(photos=1):
    return [FindingInput(DOOR_DENT, "major", tuple(photo() for _ in range(1))),  # disclosed as major
            FindingInput(WINDSCREEN, "major", tuple(photo() for _ in range(photos)))]


def test_a_disclosed_finding_is_shown_as_disclosed_and_an_undisclosed_one_computes_the_adjustment(paid):
    check = record(paid, windscreen_and_disclosed_dent())
    by_key = {f["key"]: f for f in check.computation["findings"]}
    assert by_key[DOOR_DENT]["reason"] == "disclosed" and by_key[DOOR_DENT]["amount_minor"] == 0
    windscreen = TABLE.entry(WINDSCREEN).cost("major", "EUR").amount_minor
    deductible = SCHEDULE.for_currency("EUR").deductible_minor
    assert by_key[WINDSCREEN]["reason"] == "undisclosed"
    assert check.computation["amount_minor"] == windscreen - deductible
    assert CollectionPhoto.objects.filter(collection_check=check).count() == 4
    request = adjustment_request_open(sale=paid, dealer=paid.buyer)
    assert request.amount_minor == windscreen - deductible and request.status == AdjustmentRequest.Status.PENDING


def test_the_seller_accepts_the_price_moves_by_the_computed_amount_and_the_fee_does_not(paid):
    record(paid, windscreen_and_disclosed_dent())
    request = adjustment_request_open(sale=paid, dealer=paid.buyer)
    fee_before = paid.buyer_fee_minor
    adjustment_decide(request=request, seller=paid.seller, accept=True)
    paid.refresh_from_db()
    assert paid.status == Sale.Status.PAID and paid.adjustment_minor == request.amount_minor
    assert paid.buyer_fee_minor == fee_before
    assert payout_amounts(paid) == (paid.seller_receives_minor - request.amount_minor, fee_before)
    assert paid.deductible_used_minor == SCHEDULE.for_currency("EUR").deductible_minor
    assert_books_balance()


def test_the_seller_refuses_the_sale_is_cancelled_the_car_is_theirs_and_the_break_fee_leaves_the_deposit(paid):
    record(paid, windscreen_and_disclosed_dent())
    request = adjustment_request_open(sale=paid, dealer=paid.buyer)
    adjustment_decide(request=request, seller=paid.seller, accept=False)
    paid.refresh_from_db()
    request.refresh_from_db()
    assert paid.status == Sale.Status.CANCELLED and paid.refunded_minor == paid.amount_due_minor
    assert paid.payout_status == Sale.PayoutStatus.NOT_DUE
    listing = Listing.objects.get(pk=paid.listing_id)
    assert listing.status == Listing.Status.UNSOLD and not listing.sale_paid
    assert (request.break_fee_minor, request.break_fee_taken_minor) == (300_00, 300_00)
    assert deposit_balance_minor(paid.buyer) == 1_700_00
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.BREAK_FEE, sale=paid).count() == 1
    assert_books_balance()


def test_a_seller_refusing_after_the_deadline_is_refused_and_the_adjustment_applies_at_the_sweep(paid):
    record(paid, windscreen_and_disclosed_dent())
    request = adjustment_request_open(sale=paid, dealer=paid.buyer)
    AdjustmentRequest.objects.filter(pk=request.pk).update(deadline=request.deadline - timedelta(days=3))
    with pytest.raises(ApplicationError) as refused:
        adjustment_decide(request=request, seller=paid.seller, accept=False)
    assert refused.value.code == "adjustment_deadline_passed"
    assert adjustment_requests_lapse_due() == 1 and adjustment_requests_lapse_due() == 0
    paid.refresh_from_db()
    assert paid.status == Sale.Status.PAID and paid.adjustment_minor == request.amount_minor
    assert_books_balance()


def test_a_vin_that_does_not_match_cancels_without_a_fee_for_the_dealer(paid):
    check = record(paid, vin="WVWZZZ1JZXW000001")
    paid.refresh_from_db()
    assert check.outcome == "cancel_vin_mismatch" and paid.status == Sale.Status.CANCELLED
    assert deposit_balance_minor(paid.buyer) == 2_000_00
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.BREAK_FEE).exists()
    assert_books_balance()


def test_an_odometer_beyond_the_margin_cancels_without_a_fee_for_the_dealer(paid):
    check = record(paid, odometer=paid.listing.mileage_km + SCHEDULE.odometer_margin_km + 1)
    paid.refresh_from_db()
    assert check.outcome == "cancel_odometer" and paid.status == Sale.Status.CANCELLED
    assert deposit_balance_minor(paid.buyer) == 2_000_00
    assert_books_balance()


def test_exactly_the_margin_is_fine(paid):
    check = record(paid, odometer=paid.listing.mileage_km + SCHEDULE.odometer_margin_km)
    paid.refresh_from_db()
    assert check.outcome == "nothing_to_claim" and paid.status == Sale.Status.PAID


@pytest.mark.parametrize(("findings", "field"), [
    ([FindingInput("no.such.item", "major", ())], "findings-0-key"),
    ([FindingInput(WINDSCREEN, "catastrophic", ())], "findings-0-severity"),
    ([FindingInput(WINDSCREEN, "minor", ()), FindingInput(WINDSCREEN, "major", ())], "findings-1-key"),
])
def test_a_bad_finding_is_a_field_error_and_nothing_is_written(paid, findings, field):
    with pytest.raises(ValidationFailed) as refused:
        record(paid, findings)
    assert field in refused.value.fields
    assert not CollectionCheck.objects.exists() and not CollectionPhoto.objects.exists()


def test_a_check_without_the_vin_and_odometer_photos_is_refused(paid):
    with pytest.raises(ValidationFailed) as refused:
        collection_check_record(sale=paid, dealer=paid.buyer, vin_on_car=paid.listing.vin, odometer_km=-3)
    assert {"vin_photo", "odometer_photo", "odometer_km"} <= set(refused.value.fields)
    assert not CollectionCheck.objects.exists()


@pytest.mark.parametrize(("findings", "why"), [
    (lambda: [FindingInput(DOOR_DENT, "minor", (photo(),))], "Disclosed"),  # a claim on a disclosed item
    (lambda: [FindingInput(WINDSCREEN, "major", ())], "photo"),  # without photos
    (lambda: [FindingInput(WINDSCREEN, "minor", (photo(),))], "Nothing"),  # €100 − €150 deductible: nothing
])
def test_a_check_that_grounds_no_claim_refuses_the_request_with_a_field_error_and_writes_nothing(paid, findings, why):
    record(paid, findings())
    with pytest.raises(ValidationFailed) as refused:
        adjustment_request_open(sale=paid, dealer=paid.buyer)
    assert why in " ".join(refused.value.fields["findings"])
    assert not AdjustmentRequest.objects.exists()


def test_a_request_on_someone_elses_sale_is_refused(paid):
    record(paid, windscreen_and_disclosed_dent())
    with pytest.raises(PermissionRefused):
        adjustment_request_open(sale=paid, dealer=deposit_dealer(0))
    with pytest.raises(PermissionRefused):
        adjustment_decide(request=adjustment_request_open(sale=paid, dealer=paid.buyer), seller=SellerFactory(),
                          accept=False)
    assert not AdjustmentRequest.objects.exclude(status=AdjustmentRequest.Status.PENDING).exists()


def test_the_handover_waits_for_the_sellers_answer(paid):
    from payments.services import handover_confirm

    record(paid, windscreen_and_disclosed_dent())
    adjustment_request_open(sale=paid, dealer=paid.buyer)
    with pytest.raises(ApplicationError) as refused:
        handover_confirm(sale=paid, actor=paid.seller)
    assert refused.value.code == "adjustment_pending"


@pytest.mark.django_db(transaction=True)
def test_two_racing_adjustment_requests_one_wins(django_capture_on_commit_callbacks):
    sale = sold_car(django_capture_on_commit_callbacks, handed_over=False, buyer=deposit_dealer(2_000_00)).sale
    record(sale, windscreen_and_disclosed_dent())
    barrier, answers = threading.Barrier(2), []

    def request():
        try:
            barrier.wait()
            adjustment_request_open(sale=sale, dealer=sale.buyer)
            answers.append("created")
        except ApplicationError as exc:
            answers.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["adjustment_requested", "created"]
    assert AdjustmentRequest.objects.filter(sale=sale).count() == 1
    set_sale_times(sale)
    assert_books_balance()
