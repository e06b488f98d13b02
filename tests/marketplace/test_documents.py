"""The registration certificate: the seller uploads it on the listing's page; it is a private object (its owner and
staff, through signed, expiring links); staff accept or reject it in admin."""

import re

import pytest
from django.urls import reverse

from marketplace.models import Listing, ListingDocument
from tests.accounts.factories import SellerFactory
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, pdf_bytes, png_bytes, stored_files, upload
from tests.promises.conftest import admin_action

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><script>alert(1)</script>"


def _upload(client, listing, data, name="registration.pdf", content_type="application/pdf"):
    return client.post(reverse("marketplace:document_upload", args=[listing.pk]),
                       {"document": upload(data, name, content_type)}, format="multipart")


def _document_link(client, listing) -> str:
    page = client.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    [link] = re.findall(r'href="(/media/uploads/registrations/[^"]+)"', page)
    return link.replace("&amp;", "&")


@pytest.mark.parametrize(("data", "name", "content_type", "stored_type"), [
    (pdf_bytes(), "registration.pdf", "application/pdf", "application/pdf"),
    (jpeg_bytes(), "scan.jpg", "image/jpeg", "image/jpeg"),
    (png_bytes(), "scan.png", "image/png", "image/png"),
    (pdf_bytes(), "scan.jpg", "image/jpeg", "application/pdf"),  # the bytes decide, not the name or the browser
])
def test_the_seller_uploads_the_registration_certificate_on_the_listing_page(client_for, seller, data, name,
                                                                            content_type, stored_type):
    listing = ListingFactory(seller=seller)

    response = _upload(client_for(seller), listing, data, name, content_type)

    assert response.status_code == 302 and response.url == reverse("marketplace:detail", args=[listing.pk])
    document = listing.documents.get()
    assert document.status == ListingDocument.Status.PENDING
    assert document.content_type == stored_type and document.size_bytes == len(data)
    assert document.file.name.startswith(f"uploads/registrations/{listing.pk}/")


@pytest.mark.parametrize(("data", "name", "content_type"), [
    (HTML, "registration.pdf", "application/pdf"),
    (b"%PDF-1.4 cut off before its end", "registration.pdf", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n" + HTML, "scan.png", "image/png"),
    (b"", "empty.pdf", "application/pdf"),
])
def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused_and_nothing_is_stored(client_for, seller, settings, data,
                                                                                name, content_type):
    listing = ListingFactory(seller=seller)
    client = client_for(seller)

    response = _upload(client, listing, data, name, content_type)

    assert response.status_code == 302
    assert listing.documents.count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []
    page = client.get(response.url).content.decode()
    assert "Upload a PDF, JPEG or PNG file." in page or "This file is empty." in page


def test_a_file_over_the_size_limit_is_refused(client_for, seller, settings):
    settings.GAVEL_DOCUMENT_MAX_BYTES = 200
    listing = ListingFactory(seller=seller)

    _upload(client_for(seller), listing, pdf_bytes(pages=5))

    assert listing.documents.count() == 0 and stored_files(settings.MEDIA_ROOT) == []


def test_no_upload_once_the_car_is_in_auction(client_for, seller):
    listing = ListingFactory(seller=seller, status=Listing.Status.IN_AUCTION)

    _upload(client_for(seller), listing, pdf_bytes())

    assert listing.documents.count() == 0


@pytest.mark.parametrize("role", ["other_seller", "dealer", "inspector", "staff"])
def test_only_the_listings_seller_may_upload(client_for, seller, dealer, inspector, staff, role):
    listing = ListingFactory(seller=seller)
    people = {"other_seller": SellerFactory(), "dealer": dealer, "inspector": inspector, "staff": staff}

    assert _upload(client_for(people[role]), listing, pdf_bytes()).status_code == 404
    assert listing.documents.count() == 0


def test_a_signed_out_visitor_is_sent_to_log_in(client, seller):
    listing = ListingFactory(seller=seller)

    response = _upload(client, listing, pdf_bytes())

    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert listing.documents.count() == 0


def test_the_certificate_opens_for_its_seller_and_staff_only(client, client_for, seller, dealer, inspector, staff):
    listing = ListingFactory(seller=seller)
    owner = client_for(seller)
    _upload(owner, listing, pdf_bytes())
    link = _document_link(owner, listing)

    response = owner.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"] == "attachment"
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert client_for(staff).get(link).status_code == 200
    for stranger in (SellerFactory(), dealer, inspector):
        assert client_for(stranger).get(link).status_code == 404
    assert client.get(link).status_code == 404
    assert client.get(link.partition("?")[0]).status_code == 403  # without its signature: nobody


def test_staff_accept_or_reject_the_certificate_in_admin_and_the_seller_sees_why(client, client_for, seller, staff):
    listing = ListingFactory(seller=seller)
    owner = client_for(seller)
    _upload(owner, listing, pdf_bytes())
    _upload(owner, listing, pdf_bytes())
    first, second = listing.documents.order_by("pk")
    client.force_login(staff)
    changelist = reverse("admin:marketplace_listingdocument_changelist")
    assert client.get(changelist).status_code == 200
    assert "/media/uploads/registrations/" in client.get(
        reverse("admin:marketplace_listingdocument_change", args=[first.pk])).content.decode()

    admin_action(client, changelist, "reject_documents", [first], reason="")
    first.refresh_from_db()
    assert first.status == ListingDocument.Status.PENDING  # a rejection needs its reason

    admin_action(client, changelist, "reject_documents", [first], reason="The scan is unreadable.")
    admin_action(client, changelist, "accept_documents", [second], reason="")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ListingDocument.Status.REJECTED and first.status_reason == "The scan is unreadable."
    assert first.reviewed_by == staff
    assert second.status == ListingDocument.Status.ACCEPTED
    page = owner.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert "The scan is unreadable." in page and "Accepted" in page
