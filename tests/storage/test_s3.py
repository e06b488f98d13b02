"""Uploads on an S3-compatible store (MEDIA_STORAGE=s3), against the real server tests/storage/conftest.py starts.

The bucket is private: a file is read only through the presigned, expiring URL Gavel hands out. (moto checks that
an unsigned request is refused but, unlike S3 and MinIO, not a presigned URL's expiry: the expiry a URL carries is
checked here, and links that stop working are proven on local disk in tests/promises/test_private_media.py.)"""

import io
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from PIL import Image

from core.media import url_for
from marketplace.models import Listing
from payments.models import Sale
from payments.services.documents import document_pdf_ensure
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, upload
from tests.payments.factories import sold_auction

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


def _http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the test's own server)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _upload_photo(api, listing) -> dict:
    response = api.post(f"/api/v1/listings/{listing.pk}/photos/", {"photo": upload(jpeg_bytes(), "car.jpg")},
                        format="multipart")
    assert response.status_code == 201, response.content
    [photo] = response.json()["photos"]
    return photo


def test_a_listing_photo_is_stored_in_the_bucket_and_read_back_through_a_presigned_url(s3_storage, client_for,
                                                                                         seller, settings):
    listing = ListingFactory(seller=seller)

    photo = _upload_photo(client_for(seller), listing)

    stored = listing.photos.get()
    assert s3_storage.keys() == sorted(stored.file_names)
    url = photo["urls"]["original"]
    assert url.startswith(f"{s3_storage.endpoint}/{s3_storage.bucket}/listings/{listing.pk}/")
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == [str(settings.GAVEL_MEDIA_URL_SECONDS)] and "X-Amz-Signature" in query
    status, body = _http_get(url)
    assert status == 200
    assert Image.open(io.BytesIO(body)).format == "JPEG"


def test_the_bucket_refuses_a_photo_without_the_signature(s3_storage, client_for, seller):
    listing = ListingFactory(seller=seller)
    photo = _upload_photo(client_for(seller), listing)

    bare = urlparse(photo["urls"]["thumb"])
    status, _ = _http_get(f"{bare.scheme}://{bare.netloc}{bare.path}")

    assert status == 403


def test_a_published_listings_photos_are_presigned_too(s3_storage, client_for, seller):
    listing = ListingFactory(seller=seller)
    _upload_photo(client_for(seller), listing)
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.APPROVED)

    url = url_for(listing.photos.get().large)

    assert "X-Amz-Signature" in url
    assert _http_get(url)[0] == 200


def test_deleting_a_photo_removes_its_objects_from_the_bucket(s3_storage, client_for, seller,
                                                               django_capture_on_commit_callbacks):
    listing = ListingFactory(seller=seller)
    api = client_for(seller)
    photo = _upload_photo(api, listing)

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the row's deletion is committed
        assert api.delete(f"/api/v1/listings/{listing.pk}/photos/{photo['id']}/").status_code == 204

    assert s3_storage.keys() == []


def test_presigned_urls_name_the_address_browsers_use(s3_storage, settings):
    public = s3_storage.endpoint.replace("127.0.0.1", "localhost")
    options = {**settings.STORAGES["default"]["OPTIONS"], "public_endpoint_url": public}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "core.storage.GavelS3Storage",
                                                          "OPTIONS": options}}
    name = default_storage.save("listings/1/probe.txt", ContentFile(b"stored through the storage API"))

    storage: Any = storages["default"]  # core.storage.GavelS3Storage, whose url() takes the expiry
    url = storage.url(name, expire=60)

    assert url.startswith(f"{public}/{s3_storage.bucket}/listings/1/probe")
    assert _http_get(url) == (200, b"stored through the storage API")


def test_an_invoice_pdf_is_stored_in_the_bucket_and_downloaded_by_its_dealer(s3_storage, client_for, dealer,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        auction = sold_auction(buyer=dealer)
    invoice = Sale.objects.get(auction=auction).documents.get(kind="invoice")

    invoice = document_pdf_ensure(document_id=invoice.pk)

    assert invoice.pdf.name in s3_storage.keys()
    response = client_for(dealer).get(f"/sales/{invoice.sale_id}/documents/{invoice.pk}.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
