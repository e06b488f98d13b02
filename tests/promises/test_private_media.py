"""Promise: a private upload is read only by the people allowed to see it, and only for a short while.

Today's link to a draft-listing photo (or an inspection's evidence) does not open for a stranger who was handed
it, nor for anyone once it has expired; a bare path without its signature opens for nobody. A published listing's
photos stay public. Local disk (core.views.media); on S3 the same links are presigned URLs (tests/storage)."""

import time
from urllib.parse import urlparse

import pytest

from core.media import url_for
from marketplace.models import Listing
from tests.accounts.factories import SellerFactory
from tests.inspections.factories import ready_inspection, submitted_listing
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, upload

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}" if parsed.query else parsed.path


def _draft_photo_url(client_for, seller) -> tuple[Listing, str]:
    listing = ListingFactory(seller=seller)
    response = client_for(seller).post(f"/api/v1/listings/{listing.pk}/photos/",
                                       {"photo": upload(jpeg_bytes(), "car.jpg")}, format="multipart")
    assert response.status_code == 201
    return listing, _path(response.json()["photos"][0]["urls"]["large"])


def test_a_draft_photo_link_opens_for_its_seller_and_staff(client_for, seller, staff):
    _, url = _draft_photo_url(client_for, seller)

    assert "sig=" in url
    assert client_for(seller).get(url).status_code == 200
    assert client_for(staff).get(url).status_code == 200


def test_a_draft_photo_link_does_not_open_for_a_stranger(client, client_for, seller, dealer, inspector):
    _, url = _draft_photo_url(client_for, seller)

    assert client.get(url).status_code == 404  # signed out
    for stranger in (SellerFactory(), dealer, inspector):
        assert client_for(stranger).get(url).status_code == 404, stranger


def test_a_draft_photo_link_stops_working_when_it_expires(client_for, seller, settings):
    settings.GAVEL_MEDIA_URL_SECONDS = 1
    _, url = _draft_photo_url(client_for, seller)
    assert client_for(seller).get(url).status_code == 200

    time.sleep(2.1)

    assert client_for(seller).get(url).status_code == 403


def test_a_draft_photo_without_its_signature_or_with_a_forged_one_opens_for_nobody(client_for, seller):
    _, url = _draft_photo_url(client_for, seller)
    path, _, signature = url.partition("?sig=")

    assert client_for(seller).get(path).status_code == 403
    assert client_for(seller).get(f"{path}?sig={signature[:-2]}xx").status_code == 403
    other = path.replace("_large.jpg", "_thumb.jpg")
    assert client_for(seller).get(f"{other}?sig={signature}").status_code == 403  # a signature is for one file


def test_the_photos_of_a_published_listing_are_public(client, client_for, seller):
    listing, _ = _draft_photo_url(client_for, seller)
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.IN_AUCTION)

    url = client_for(seller).get(f"/api/v1/listings/{listing.pk}/").json()["photos"][0]["urls"]["large"]

    assert "sig=" not in url
    assert client.get(_path(url)).status_code == 200


def test_a_published_listings_draft_photo_link_stays_readable_only_while_signed(client, client_for, seller):
    """Publishing widens who may see the photo; unpublishing (a listing back to draft cannot happen, but a
    withdrawn one can) narrows it again at once, links already handed out included."""
    listing, url = _draft_photo_url(client_for, seller)
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.APPROVED)
    assert client.get(url.partition("?")[0]).status_code == 200

    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.WITHDRAWN)

    assert client.get(url.partition("?")[0]).status_code == 403
    assert client.get(url).status_code == 404


def test_inspection_evidence_before_publication_is_seen_by_its_inspector_and_staff_only(client_for, staff, dealer):
    inspection = ready_inspection(listing=submitted_listing())
    photo = inspection.photos.get()
    inspector_client = client_for(inspection.inspector)
    page = inspector_client.get(f"/inspect/{inspection.pk}/")
    assert f"/media/{photo.thumb.name}?sig=".encode() in page.content  # the page hands out signed links only

    url = _path(url_for(photo.large))

    assert inspector_client.get(url).status_code == 200
    assert client_for(staff).get(url).status_code == 200
    assert client_for(dealer).get(url).status_code == 404  # verified dealers read reports, not drafts
    assert client_for(inspection.listing.seller).get(url).status_code == 404
