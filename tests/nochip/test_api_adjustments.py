"""The collection check and the adjustment through the API and the page: shapes, permissions, bad input (a field
error and nothing written)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from payments.models import AdjustmentRequest, CollectionCheck, Sale
from tests.marketplace.images import jpeg_bytes
from tests.nochip.test_adjustments import _eager, paid  # noqa: F401  (fixtures)
from tests.nochip.test_deposits import deposit_dealer
from tests.promises.report_sale import api_client, page_client

pytestmark = pytest.mark.django_db
WINDSCREEN, DOOR_DENT = "glass_lights.windscreen", "damage.door_fl.dent"


def jpeg(name):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def check_payload(sale, findings, **files):
    return {"vin_on_car": sale.listing.vin, "odometer_km": sale.listing.mileage_km, "vin_photo": jpeg("vin.jpg"),
            "odometer_photo": jpeg("odo.jpg"), "findings": json.dumps(findings), **files}


def test_the_dealer_records_the_check_requests_and_the_seller_accepts_through_the_api(paid):  # noqa: F811
    dealer = api_client(paid.buyer)
    answer = dealer.post(f"/api/v1/sales/{paid.pk}/collection-check/", check_payload(
        paid, [{"key": DOOR_DENT, "severity": "major", "photos": ["d1"]},
               {"key": WINDSCREEN, "severity": "major", "photos": ["w1", "w2"]}], d1=jpeg("d1.jpg"),
        w1=jpeg("w1.jpg"), w2=jpeg("w2.jpg")), format="multipart")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["outcome"] == "claim" and body["computation"]["amount_minor"] > 0
    assert {f["key"]: f["reason"] for f in body["computation"]["findings"]} == {DOOR_DENT: "disclosed",
                                                                              WINDSCREEN: "undisclosed"}
    assert dealer.get(f"/api/v1/sales/{paid.pk}/collection-check/").json()["outcome"] == "claim"
    requested = dealer.post(f"/api/v1/sales/{paid.pk}/adjustment/", {"amount_minor": 1}, format="json")
    assert requested.status_code == 201
    assert requested.json()["amount_minor"] == body["computation"]["amount_minor"]  # a typed amount is ignored
    assert dealer.post(f"/api/v1/sales/{paid.pk}/adjustment/").json()["code"] == "adjustment_requested"
    assert dealer.post(f"/api/v1/sales/{paid.pk}/adjustment/decision/", {"accept": True},
                       format="json").status_code == 403
    seller = api_client(paid.seller)
    assert seller.post(f"/api/v1/sales/{paid.pk}/adjustment/decision/", {"accept": "maybe"},
                       format="json").status_code == 400
    decided = seller.post(f"/api/v1/sales/{paid.pk}/adjustment/decision/", {"accept": True}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"


@pytest.mark.parametrize(("findings", "files", "field"), [
    ("not json", {}, "findings"),
    ([{"key": WINDSCREEN, "severity": "major", "photos": ["missing"]}], {}, "findings-0-photos"),
    ([{"key": "nope", "severity": "major", "photos": []}], {}, "findings-0-key"),
    ([{"key": WINDSCREEN}], {}, "findings-0"),
])
def test_bad_input_to_the_check_is_a_field_error_and_nothing_is_written(paid, findings, files, field):  # noqa: F811
    payload = check_payload(paid, [], **files)
    payload["findings"] = findings if isinstance(findings, str) else json.dumps(findings)
    answer = api_client(paid.buyer).post(f"/api/v1/sales/{paid.pk}/collection-check/", payload, format="multipart")
    assert answer.status_code == 400 and field in answer.json()["fields"], answer.content
    assert not CollectionCheck.objects.exists()


def test_someone_elses_sale_is_not_found_and_the_seller_cannot_record_the_check(paid):  # noqa: F811
    stranger = api_client(deposit_dealer(0))
    assert stranger.post(f"/api/v1/sales/{paid.pk}/adjustment/").status_code == 404
    answer = api_client(paid.seller).post(f"/api/v1/sales/{paid.pk}/collection-check/", check_payload(paid, []),
                                          format="multipart")
    assert answer.status_code == 403
    assert not CollectionCheck.objects.exists() and not AdjustmentRequest.objects.exists()


def test_the_check_page_shows_field_errors_with_a_400_and_writes_nothing(paid):  # noqa: F811
    client = page_client(paid.buyer)
    page = client.get(f"/sales/{paid.pk}/check/")
    assert page.status_code == 200 and "Record the collection check" in page.content.decode()
    answer = client.post(f"/sales/{paid.pk}/check/", {"vin_on_car": "", "odometer_km": "lots",
                                                      "findings-2-key": "nope", "findings-2-severity": "major"})
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "A photo of the VIN plate is required." in text and "Choose an item of the checklist" in text
    assert not CollectionCheck.objects.exists()
    assert Sale.objects.get(pk=paid.pk).status == Sale.Status.PAID
