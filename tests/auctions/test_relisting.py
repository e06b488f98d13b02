"""Relisting an unsold car at the seller's request: a new reserve and starting price, the same inspection report
while it is young enough (no new inspection), booked only when staff approve."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from auctions import services
from auctions.models import Auction, RelistRequest
from inspections import services as inspection_services
from inspections.models import Inspection, InspectionReport
from marketplace.models import Listing
from tests.accounts.factories import StaffFactory
from tests.inspections.factories import published_inspection
from tests.payments.factories import close_now

pytestmark = pytest.mark.django_db


def unsold_inspected_car():
    inspection, report = published_inspection()
    staff = StaffFactory()
    inspection_services.inspection_listing_approve(inspection=inspection, actor=staff)
    auction = services.auction_schedule(listing=inspection.listing, actor=staff, starts_at=timezone.now(),
                                        starting_price_minor=10_000_00, duration_minutes=20)
    close_now(auction.pk)  # no bids
    listing = Listing.objects.get(pk=inspection.listing_id)
    assert listing.status == Listing.Status.UNSOLD
    return listing, report


def test_an_approved_relist_books_an_auction_on_the_same_report_with_the_sellers_new_numbers(client_for):
    listing, report = unsold_inspected_car()
    seller = client_for(listing.seller)
    page = seller.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert "data-relist-form" in page
    sent = seller.post(reverse("marketplace:relist", args=[listing.pk]), {"reserve": "11000", "starting_price": "9000"},
                       format="multipart", follow=True).content.decode()
    assert "our team checks your request" in sent and "data-relist-pending" in sent
    request = RelistRequest.objects.get()
    assert (request.reserve_minor, request.starting_price_minor) == (11_000_00, 9_000_00)

    staff = client_for(StaffFactory())
    staff.post(reverse("admin:auctions_relistrequest_changelist"),
               {"action": "approve_and_schedule", ACTION_CHECKBOX_NAME: [request.pk], "apply": "1",
                "starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M:%S"), "duration_minutes": "30"},
               format="multipart", follow=True)
    request.refresh_from_db()
    auction = request.auction
    assert request.status == RelistRequest.Status.APPROVED and auction is not None
    assert (auction.reserve_minor, auction.starting_price_minor, auction.report_id) == (11_000_00, 9_000_00,
                                                                                          report.pk)
    assert auction.status == Auction.Status.LIVE
    assert Inspection.objects.filter(listing=listing).count() == 1  # no new inspection
    assert InspectionReport.objects.filter(listing=listing).count() == 1


def test_a_report_older_than_the_setting_needs_a_new_inspection(client_for, settings):
    listing, _ = unsold_inspected_car()
    settings.GAVEL_RELIST_REPORT_MAX_AGE_DAYS = 0  # reports are frozen: the report ages by the setting instead
    with pytest.raises(services.ReportTooOld):
        services.relist_request(listing=listing, seller=listing.seller, reserve_minor=11_000_00,
                                starting_price_minor=9_000_00)
    page = client_for(listing.seller).get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert "data-relist-needs-inspection" in page and "data-relist-form" not in page
    assert not RelistRequest.objects.exists()


def test_a_starting_price_above_the_reserve_is_refused_with_field_messages(client_for):
    listing, _ = unsold_inspected_car()
    answer = client_for(listing.seller).post(reverse("marketplace:relist", args=[listing.pk]),
                                             {"reserve": "9000", "starting_price": "9500"}, format="multipart",
                                             follow=True).content.decode()
    assert "The starting price is at most the reserve." in answer and not RelistRequest.objects.exists()
    bad = client_for(listing.seller).post(reverse("marketplace:relist", args=[listing.pk]),
                                          {"reserve": "x", "starting_price": ""}, format="multipart", follow=True)
    assert bad.status_code == 200 and not RelistRequest.objects.exists()


def test_staff_refuse_with_a_reason(client_for):
    listing, _ = unsold_inspected_car()
    request = services.relist_request(listing=listing, seller=listing.seller, reserve_minor=11_000_00,
                                      starting_price_minor=9_000_00)
    services.relist_refuse(request_id=request.pk, actor=StaffFactory(), reason="Price too far from the market")
    request.refresh_from_db()
    assert request.status == RelistRequest.Status.REFUSED
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.UNSOLD
