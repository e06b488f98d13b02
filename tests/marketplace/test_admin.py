import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from core.models import AuditLog
from marketplace.models import Listing
from tests.marketplace.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(staff):
    client = Client()
    client.force_login(staff)
    return client


def _reject(client, listings, reason):
    return client.post(reverse("admin:marketplace_listing_changelist"), {
        "action": "reject_listings", ACTION_CHECKBOX_NAME: [listing.pk for listing in listings], "apply": "1",
        "reason": reason,
    }, follow=True)


def test_staff_reject_a_submitted_listing_with_a_reason_through_the_service(admin_client_for, staff):
    listing = ListingFactory(status=Listing.Status.SUBMITTED)
    response = _reject(admin_client_for, [listing], "VIN does not match the registration document.")

    assert response.status_code == 200
    listing.refresh_from_db()
    assert listing.status == "rejected"
    assert listing.rejection_reason == "VIN does not match the registration document."
    row = AuditLog.objects.for_object(listing).get()
    assert (row.to_state, row.actor) == ("rejected", staff)
    assert "Reject selected listings: 1 done." in response.content.decode()


def test_rejecting_without_a_reason_asks_for_one_and_changes_nothing(admin_client_for):
    listing = ListingFactory(status=Listing.Status.SUBMITTED)
    response = _reject(admin_client_for, [listing], "  ")
    assert "A reason is required" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == "submitted"


def test_a_listing_that_cannot_be_rejected_is_reported_not_changed(admin_client_for):
    draft = ListingFactory()
    submitted = ListingFactory(status=Listing.Status.SUBMITTED)
    response = _reject(admin_client_for, [draft, submitted], "Duplicate")
    html = response.content.decode()
    assert "1 done" in html and "cannot go from &#x27;draft&#x27;" in html
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_admin_lists_searches_and_filters_listings_and_shows_photos(admin_client_for, ready_listing):
    changelist = reverse("admin:marketplace_listing_changelist")
    assert admin_client_for.get(changelist, {"q": ready_listing.vin}).context["cl"].result_count == 1
    assert admin_client_for.get(changelist, {"q": ready_listing.seller.email}).context["cl"].result_count == 1
    assert admin_client_for.get(changelist, {"q": ready_listing.registration_plate}).context["cl"].result_count == 1
    assert admin_client_for.get(changelist, {"status__exact": "sold"}).context["cl"].result_count == 0
    assert admin_client_for.get(changelist, {"first_registration_year": "2018"}).context["cl"].result_count == 1

    page = admin_client_for.get(reverse("admin:marketplace_listing_change", args=[ready_listing.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert ready_listing.photos.get().thumb.url in html
    # Read-only: no form to save changes to a seller's data or the money fields.
    assert 'name="reserve_minor"' not in html and 'name="status"' not in html
