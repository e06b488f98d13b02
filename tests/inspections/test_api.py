import hashlib
import json

import pytest

from inspections.models import Inspection
from tests.accounts.factories import DealerFactory, InspectorFactory, SellerFactory, StaffFactory
from tests.inspections.factories import complete_items, published_inspection, ready_inspection, scheduled_inspection

pytestmark = pytest.mark.django_db

ROLES = ["owner", "other_seller", "dealer", "unverified_dealer", "inspector", "other_inspector", "staff", "anonymous"]


@pytest.fixture
def people():
    def make(inspection):
        return {
            "owner": inspection.listing.seller, "other_seller": SellerFactory(), "dealer": DealerFactory(verified=True),
            "unverified_dealer": DealerFactory(), "inspector": inspection.inspector,
            "other_inspector": InspectorFactory(), "staff": StaffFactory(), "anonymous": None,
        }
    return make


def _client(user, client_for, api_client):
    return client_for(user) if user is not None else api_client


def _expect(status_by_role, role):
    return status_by_role.get(role, 404)


@pytest.mark.parametrize("role", ROLES)
def test_list_inspections_per_role(role, people, client_for, api_client):
    mine = scheduled_inspection()
    scheduled_inspection()  # someone else's
    user = people(mine)[role]
    response = _client(user, client_for, api_client).get("/api/v1/inspections/")
    expected = {"inspector": 200, "other_inspector": 200, "staff": 200, "anonymous": 401}.get(role, 403)
    assert response.status_code == expected, response.content
    if expected == 200:
        ids = {row["id"] for row in response.json()["results"]}
        assert ids == {"inspector": {mine.pk}, "other_inspector": set(),
                       "staff": set(Inspection.objects.values_list("pk", flat=True))}[role]
    else:
        assert "code" in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_get_an_inspection_per_role(role, people, client_for, api_client):
    inspection = scheduled_inspection()
    response = _client(people(inspection)[role], client_for, api_client).get(f"/api/v1/inspections/{inspection.pk}/")
    assert response.status_code == _expect({"inspector": 200, "staff": 200, "anonymous": 401}, role)
    if response.status_code == 200:
        body = response.json()
        assert body["status"] == "scheduled" and body["progress"]["answered"] == 0
        assert "reserve_minor" not in json.dumps(body) and "seller" not in json.dumps(body["listing"])


@pytest.mark.parametrize("role", ROLES)
def test_put_the_draft_report_per_role(role, people, client_for, api_client):
    inspection = scheduled_inspection()
    response = _client(people(inspection)[role], client_for, api_client).put(
        f"/api/v1/inspections/{inspection.pk}/report/", {"items": {"engine.idle": {"status": "minor", "note": "x"}}},
        format="json")
    assert response.status_code == _expect({"inspector": 200, "staff": 403, "anonymous": 401}, role), response.content
    inspection.refresh_from_db()
    assert ("engine.idle" in inspection.draft.get("items", {})) is (role == "inspector")


@pytest.mark.parametrize("role", ROLES)
def test_publish_per_role(role, people, client_for, api_client):
    inspection = ready_inspection()
    response = _client(people(inspection)[role], client_for, api_client).post(
        f"/api/v1/inspections/{inspection.pk}/publish/")
    assert response.status_code == _expect({"inspector": 200, "staff": 403, "anonymous": 401}, role), response.content
    inspection.refresh_from_db()
    assert (inspection.status == "published") is (role == "inspector")


@pytest.mark.parametrize("role", ROLES)
def test_read_the_published_report_per_role(role, people, client_for, api_client):
    inspection, report = published_inspection()
    response = _client(people(inspection)[role], client_for, api_client).get(
        f"/api/v1/listings/{inspection.listing_id}/report/")
    expected = {"owner": 200, "dealer": 200, "inspector": 200, "staff": 200, "anonymous": 401}
    assert response.status_code == _expect(expected, role)
    if response.status_code == 200:
        body = response.json()
        assert (body["grade"], body["score"], body["fingerprint"]) == (report.grade, report.score, report.fingerprint)


def test_the_report_api_never_shows_the_reserve_or_the_seller(client_for, dealer):
    inspection, report = published_inspection()
    seller = inspection.listing.seller
    text = client_for(dealer).get(f"/api/v1/listings/{inspection.listing_id}/report/").content.decode()
    for secret in ("reserve", "12345", "1234500", seller.email, seller.full_name, "asking_price", "seller"):
        assert secret not in text


def test_anyone_who_reads_the_report_can_recompute_its_fingerprint(client_for, dealer):
    inspection, _ = published_inspection()
    body = client_for(dealer).get(f"/api/v1/listings/{inspection.listing_id}/report/").json()
    canonical = json.dumps(body["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == body["fingerprint"]


def test_a_listing_without_a_published_report_is_404_even_for_its_seller(client_for):
    inspection = ready_inspection()
    response = client_for(inspection.listing.seller).get(f"/api/v1/listings/{inspection.listing_id}/report/")
    assert response.status_code == 404


def test_publish_is_refused_with_field_errors_naming_the_missing_items(client_for):
    inspection = scheduled_inspection()
    client = client_for(inspection.inspector)
    items = complete_items()
    items.pop("brakes.pads_front")
    saved = client.put(f"/api/v1/inspections/{inspection.pk}/report/", {"items": items}, format="json")
    assert saved.status_code == 200
    response = client.post(f"/api/v1/inspections/{inspection.pk}/publish/")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "report_incomplete"
    assert body["fields"]["items.brakes.pads_front"] == ["Brakes: “Front pads” is required."]
    assert set(body["fields"]) == {"items.brakes.pads_front", "facts.odometer_km", "facts.vin_on_car",
                                   "facts.accident", "facts.flood", "facts.fire", "facts.odometer_photo"}


def test_a_published_report_cannot_be_edited_through_the_api(client_for):
    inspection, _ = published_inspection()
    response = client_for(inspection.inspector).put(f"/api/v1/inspections/{inspection.pk}/report/",
                                                    {"items": {"engine.idle": {"status": "major"}}}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "report_published")
    again = client_for(inspection.inspector).post(f"/api/v1/inspections/{inspection.pk}/publish/")
    assert (again.status_code, again.json()["code"]) == (409, "report_published")


def test_bad_input_is_400_with_fields_never_500(client_for):
    inspection = scheduled_inspection()
    client = client_for(inspection.inspector)
    url = f"/api/v1/inspections/{inspection.pk}/report/"
    response = client.put(url, {"items": {"engine.idle": "ok"}, "facts": {"flood": "maybe"},
                                "damage": [{"panel": "wheel", "type": "dent", "severity": "minor"}]}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"items.engine.idle", "facts.flood", "damage.0.panel"}
    assert client.put(url, {"items": []}, format="json").status_code == 400
    assert client.put(url, "not json", content_type="application/json").status_code == 400


def test_photos_upload_through_the_api_with_the_listing_photo_rules(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.inspections.factories import jpeg_upload

    inspection = scheduled_inspection()
    client = client_for(inspection.inspector)
    url = f"/api/v1/inspections/{inspection.pk}/photos/"
    ok = client.post(url, {"target": "item:engine.idle", "photo": jpeg_upload()}, format="multipart")
    assert ok.status_code == 201 and len(ok.json()["sha256"]) == 64
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    refused = client.post(url, {"target": "odometer", "photo": fake}, format="multipart")
    assert refused.status_code == 400 and "photo" in refused.json()["fields"]
    nowhere = client.post(url, {"target": "item:nope", "photo": jpeg_upload()}, format="multipart")
    assert nowhere.status_code == 400 and "target" in nowhere.json()["fields"]
    assert inspection.photos.count() == 1
