"""/transparency/: the public figures, from the records; small numbers read "fewer than N"."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from insights.platform_figures import SMALL_NUMBER, platform_figures
from payments.services.adjustments import (
    FindingInput,
    adjustment_decide,
    adjustment_request_open,
    collection_check_record,
)
from tests.marketplace.images import jpeg_bytes
from tests.nochip.test_deposits import deposit_dealer
from tests.payments.factories import hand_over, pay_by_card

pytestmark = pytest.mark.django_db


def photo():
    return SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")


def adjusted_sale(make_sale, *, accept: bool):
    sale = make_sale(hammer_minor=12_500_00, buyer=deposit_dealer(2_000_00))
    pay_by_card(sale)
    sale.refresh_from_db()
    collection_check_record(sale=sale, dealer=sale.buyer, vin_on_car=sale.listing.vin, odometer_km=1,
                            vin_photos=[photo()], odometer_photos=[photo()],
                            findings=[FindingInput("glass_lights.windscreen", "major", (photo(),))])
    request = adjustment_request_open(sale=sale, dealer=sale.buyer)
    adjustment_decide(request=request, seller=sale.seller, accept=accept)
    return sale


def figures() -> dict[str, str]:
    return {figure.label: figure.text for figure in platform_figures()}


def test_with_no_records_the_page_says_fewer_than_n_not_zero(client):
    page = client.get("/transparency/")
    assert page.status_code == 200 and f"fewer than {SMALL_NUMBER} adjustments so far" in page.content.decode()


def test_small_numbers_read_fewer_than_n(make_sale):
    adjusted_sale(make_sale, accept=True)
    shown = figures()
    assert shown["Sales paid"] == f"fewer than {SMALL_NUMBER}"
    assert shown["Median price adjustment"] == f"fewer than {SMALL_NUMBER} adjustments so far"


def test_the_figures_come_from_the_records(make_sale, django_capture_on_commit_callbacks, client):
    for accept in (True, True, True, True, False):
        adjusted_sale(make_sale, accept=accept)
    for _ in range(5):
        sale = make_sale(hammer_minor=9_000_00, reserve_minor=8_000_00)
        pay_by_card(sale)
        hand_over(sale, django_capture_on_commit_callbacks)
    shown = figures()
    assert shown["Sales paid"] == "10"
    assert shown["Sales with a price adjustment request"] == "50 % of 10 paid sales"
    accepted, refused = (f"Adjustments the seller {word}" for word in (
        "accepted (or that applied at the deadline)", "refused (sale cancelled at no cost to them)"))
    assert (shown[accepted], shown[refused]) == ("80 % of 5 decided adjustments", "20 % of 5 decided adjustments")
    assert shown["Median price adjustment"] == "fewer than 5 adjustments so far"  # four applied
    assert shown["Disputes opened"] == f"fewer than {SMALL_NUMBER}"
    assert shown["Median time from the handover to the payout"].endswith(" days")
    assert "80 % of 5 decided adjustments" in client.get("/transparency/").content.decode()
