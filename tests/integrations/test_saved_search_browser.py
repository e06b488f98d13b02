"""A dealer saves a dashboard search in the browser; staff schedule a matching auction; the dealer's bell counts it
and the alert shows, without a reload (the real ASGI server, the user's WebSocket)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from auctions.models import SavedSearch
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import ApprovedListingFactory, make_auction
from tests.live.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.serial]


def test_a_saved_search_alert_reaches_the_dealers_bell_without_reload(browser, asgi_server, e2e_dir):
    dealer = DealerFactory(verified=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie(dealer), "domain": "127.0.0.1", "path": "/"}]
    )
    page = context.new_page()
    page.goto(asgi_server.origin + "/auctions/?make=Skoda&price_max=20000")
    page.get_by_label("Save this filter as").fill("Skodas under 20k")
    page.get_by_role("button", name="Save search").click()
    expect(page.get_by_text("Search saved.")).to_be_visible()
    assert SavedSearch.objects.get(dealer=dealer).make == "Skoda"

    page.goto(asgi_server.origin + "/auctions/")
    page.wait_for_selector("html[data-live-user=ready]")
    expect(page.locator("[data-unread-count]")).to_have_text("0")
    page.evaluate("window.__stillTheSamePage = true")

    staff = StaffFactory()
    make_auction(
        listing=ApprovedListingFactory(make="BMW"), staff=staff, starts_at=timezone.now() + timedelta(hours=1)
    )  # not a match: nothing arrives
    make_auction(
        listing=ApprovedListingFactory(make="Skoda", model="Octavia"),
        staff=staff,
        starting_price_minor=15_000_00,
        starts_at=timezone.now() + timedelta(hours=1),
    )

    expect(page.locator("[data-unread-count]")).to_have_text("1")
    expect(page.locator(".live-toast", has_text="New for “Skodas under 20k”")).to_be_visible()
    assert page.evaluate("window.__stillTheSamePage") is True, "no reload"
    page.screenshot(path=str(e2e_dir / "saved-search-01-bell.png"), full_page=True)

    page.locator("[data-bell]").click()
    expect(page.get_by_text("Skoda Octavia").first).to_be_visible()
    context.close()
