
import pytest
from playwright.sync_api import expect

from marketplace.models import Listing
from tests.accounts.factories import PASSWORD
from tests.marketplace.e2e.wizard import fill_listing_steps
from tests.marketplace.images import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.urls("tests.marketplace.e2e.urls")]


def test_a_seller_lists_a_car_with_two_photos_and_submits_it(browser, live_server, e2e_dir, seller, tmp_path):
    front, back = tmp_path / "front.jpg", tmp_path / "back.jpg"
    front.write_bytes(jpeg_bytes(1600, 1200, colour=(20, 80, 150), gps=True))
    back.write_bytes(jpeg_bytes(1200, 1600, colour=(150, 30, 30)))

    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(seller.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/accounts/dashboard/")

    fill_listing_steps(page, vin="wvwzzz1kzaw123456", reserve_eur=14500)
    page.locator("input[name=photos]").set_input_files([str(front), str(back)])  # uploads at once (htmx)
    expect(page.locator(".photo-tile")).to_have_count(2)
    expect(page.get_by_text("2 photos added.")).to_be_visible()
    expect(page.locator(".photo-tile.is-cover")).to_have_count(1)
    page.screenshot(path=str(e2e_dir / "marketplace-01-photos.png"), full_page=True)

    page.get_by_role("link", name="Review and submit").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for inspection").click()

    expect(page.locator(".status-badge")).to_have_text("Submitted")
    expect(page.locator("[data-seller-status]")).to_have_text("Waiting for an inspector.")
    expect(page.locator("[data-timeline-next]")).to_have_text("Waiting for an inspector.")  # the timeline says the same
    page.screenshot(path=str(e2e_dir / "marketplace-02-submitted.png"), full_page=True)

    listing = Listing.objects.get(seller=seller)
    assert listing.status == "submitted" and listing.reserve_minor == 14_500_00
    assert listing.photos.count() == 2
