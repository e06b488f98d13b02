"""Photo uploads are rate-limited per user (GAVEL_UPLOAD_RATE), API and pages together: the next upload in the
window is answered 429 with a clear reason, and nothing of it is written."""

import pytest
from django.urls import reverse

from marketplace.models import ListingPhoto
from tests.inspections.factories import jpeg_upload, scheduled_inspection
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, stored_files, upload

pytestmark = pytest.mark.django_db

RATE = 3


@pytest.fixture(autouse=True)
def _upload_rate(settings, redis):
    settings.GAVEL_UPLOAD_RATE = f"{RATE}/min"


def _photo():
    return upload(jpeg_bytes(320, 240))


def test_the_api_answers_the_upload_after_the_limit_with_a_json_429_and_stores_nothing(client_for, seller, settings):
    listing = ListingFactory(seller=seller)
    client = client_for(seller)
    url = f"/api/v1/listings/{listing.pk}/photos/"
    for _ in range(RATE):
        assert client.post(url, {"photo": _photo()}, format="multipart").status_code == 201
    files_before = stored_files(settings.MEDIA_ROOT)

    refused = client.post(url, {"photo": _photo()}, format="multipart")

    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled" and "throttled" in body["detail"]
    assert 0 < body["retry_after_seconds"] <= 60 and int(refused["Retry-After"]) == body["retry_after_seconds"]
    assert listing.photos.count() == RATE
    assert stored_files(settings.MEDIA_ROOT) == files_before


def test_requests_without_files_do_not_count(client_for, seller):
    listing = ListingFactory(seller=seller)
    client = client_for(seller)
    url = f"/api/v1/listings/{listing.pk}/photos/"
    for _ in range(RATE + 2):
        assert client.post(url, {}, format="multipart").status_code == 400  # no photo: refused, not counted
    assert client.post(url, {"photo": _photo()}, format="multipart").status_code == 201


def test_the_limit_is_per_user(client_for, seller):
    from tests.accounts.factories import SellerFactory

    mine, theirs = ListingFactory(seller=seller), ListingFactory(seller=SellerFactory())
    client = client_for(seller)
    for _ in range(RATE):
        client.post(f"/api/v1/listings/{mine.pk}/photos/", {"photo": _photo()}, format="multipart")
    other = client_for(theirs.seller).post(f"/api/v1/listings/{theirs.pk}/photos/", {"photo": _photo()},
                                           format="multipart")
    assert other.status_code == 201


def test_the_photo_page_answers_429_with_the_reason_in_the_form(client_for, seller, settings):
    listing = ListingFactory(seller=seller)
    client = client_for(seller)
    url = reverse("marketplace:photos", args=[listing.pk])
    for _ in range(RATE):
        assert client.post(url, {"photos": [_photo()]}, format="multipart").status_code == 302

    refused = client.post(url, {"photos": [_photo()]}, format="multipart")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "uploaded a lot of photos in a short time" in refused.content.decode()
    assert "Step 4 of 4" in refused.content.decode()  # the photo page itself, with its form
    assert ListingPhoto.objects.filter(listing=listing).count() == RATE


def test_the_photo_page_and_the_api_share_one_counter_and_htmx_gets_the_reason_in_the_fragment(client_for, seller):
    listing = ListingFactory(seller=seller)
    client = client_for(seller)
    page = reverse("marketplace:photos", args=[listing.pk])
    for _ in range(RATE):
        client.post(f"/api/v1/listings/{listing.pk}/photos/", {"photo": _photo()}, format="multipart")

    refused = client.post(page, {"photos": [_photo()]}, format="multipart", HTTP_HX_REQUEST="true")

    assert refused.status_code == 200  # htmx swaps only 2xx answers; the reason is in the fragment
    html = refused.content.decode()
    assert html.startswith('<section class="card" id="photo-manager">')
    assert "uploaded a lot of photos in a short time" in html and int(refused["Retry-After"]) > 0
    assert listing.photos.count() == RATE


def test_inspection_photos_through_the_api_are_limited_too(client_for):
    inspection = scheduled_inspection()
    client = client_for(inspection.inspector)
    url = f"/api/v1/inspections/{inspection.pk}/photos/"
    for _ in range(RATE):
        assert client.post(url, {"target": "odometer", "photo": jpeg_upload()}, format="multipart").status_code == 201

    refused = client.post(url, {"target": "odometer", "photo": jpeg_upload()}, format="multipart")

    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert inspection.photos.count() == RATE


def test_the_inspection_page_refuses_the_whole_save_when_it_carries_one_upload_too_many(client_for):
    inspection = scheduled_inspection()
    client = client_for(inspection.inspector)
    save = reverse("inspections:save", args=[inspection.pk])
    for _ in range(RATE):
        client.post(f"/api/v1/inspections/{inspection.pk}/photos/", {"target": "odometer", "photo": jpeg_upload()},
                    format="multipart")

    refused = client.post(save, {"section": "engine", "status__engine.idle": "minor",
                                 "photo__engine.idle": jpeg_upload()}, format="multipart")
    htmx = client.post(save, {"row": "engine.idle", "status__engine.idle": "major",
                              "photo__engine.idle": jpeg_upload()}, format="multipart", HTTP_HX_REQUEST="true")
    damage = client.post(reverse("inspections:damage_add", args=[inspection.pk]),
                         {"panel": "bonnet", "type": "dent", "severity": "minor", "photo": jpeg_upload()},
                         format="multipart")

    assert refused.status_code == 429 and "uploaded a lot of photos" in refused.content.decode()
    assert htmx.status_code == 200 and "uploaded a lot of photos" in htmx.content.decode()
    assert damage.status_code == 429 and "uploaded a lot of photos" in damage.content.decode()
    inspection.refresh_from_db()
    assert "engine.idle" not in inspection.draft.get("items", {})
    assert inspection.draft.get("damage", []) == []
    assert inspection.photos.count() == RATE
    # Saving answers without photos goes on.
    ok = client.post(save, {"section": "engine", "status__engine.idle": "minor"}, format="multipart")
    assert ok.status_code == 302


def test_dispute_evidence_counts_too_and_a_dispute_without_photos_does_not(client_for):
    from tests.accounts.factories import DealerFactory

    client = client_for(DealerFactory(verified=True))
    url = "/api/v1/sales/999999/dispute/"  # the limit is checked before the sale is looked up
    for _ in range(RATE):
        assert client.post(url, {"reason": "Scratched", "photos": [_photo()]}, format="multipart").status_code == 404
    assert client.post(url, {"reason": "Scratched"}, format="json").status_code == 404
    refused = client.post(url, {"reason": "Scratched", "photos": [_photo()]}, format="multipart")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
