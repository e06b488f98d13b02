from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions.models import Auction
from marketplace.models import Listing
from tests.auctions.factories import ApprovedListingFactory, make_auction

pytestmark = pytest.mark.django_db


def test_staff_schedule_an_approved_car_from_admin(client, staff):
    listing = ApprovedListingFactory()
    client.force_login(staff)
    changelist = reverse("admin:auctions_approvedlisting_changelist")
    form = client.post(changelist, {"action": "schedule_auction", "_selected_action": [listing.pk]})
    assert form.status_code == 200 and b"Starting price" in form.content
    client.post(changelist, {"action": "schedule_auction", "_selected_action": [listing.pk], "apply": "1",
                             "starts_at": "2030-01-01 10:00", "duration_minutes": "30", "starting_price": "7500"})
    auction = Auction.objects.get(listing=listing)
    assert (auction.status, auction.duration_minutes, auction.starting_price_minor) == ("scheduled", 30, 7_500_00)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.IN_AUCTION


def test_the_schedule_form_takes_a_start_time_to_the_second(client, staff):
    listing = ApprovedListingFactory()
    client.force_login(staff)
    changelist = reverse("admin:auctions_approvedlisting_changelist")
    form = client.post(changelist, {"action": "schedule_auction", "_selected_action": [listing.pk]})
    assert b'type="datetime-local"' in form.content and b'step="1"' in form.content  # the browser offers seconds
    client.post(changelist, {"action": "schedule_auction", "_selected_action": [listing.pk], "apply": "1",
                             "starts_at": "2030-01-01T10:00:45", "duration_minutes": "1", "starting_price": "7500"})
    auction = Auction.objects.get(listing=listing)
    assert timezone.localtime(auction.starts_at).time() == time(10, 0, 45)
    assert auction.ends_at - auction.starts_at == timedelta(minutes=1)


def test_staff_cancel_with_a_reason_from_admin(client, staff):
    auction = make_auction()
    client.force_login(staff)
    client.post(reverse("admin:auctions_auction_changelist"), {
        "action": "cancel_auctions", "_selected_action": [auction.pk], "apply": "1", "reason": "Duplicate"})
    auction.refresh_from_db()
    assert auction.status == "cancelled" and auction.cancel_reason == "Duplicate"
    assert client.get(reverse("admin:auctions_auction_change", args=[auction.pk])).status_code == 200
