import re

import pytest
from playwright.sync_api import expect

from marketplace.models import Listing
from tests.accounts.factories import PASSWORD
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

    page.get_by_role("link", name="List a car").first.click()
    page.get_by_label("VIN").fill("wvwzzz1kzaw123456")
    page.get_by_label("Registration plate").fill("B-GV 2026")
    page.get_by_label("Make", exact=True).fill("Volkswagen")
    page.get_by_label("Model", exact=True).fill("Golf")
    page.get_by_label("Variant").fill("1.5 TSI Life")
    page.get_by_label("First registered (year)").fill("2019")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name=re.compile("Step 2 of 4"))).to_be_visible()
    page.get_by_label("Mileage (km)").fill("64000")
    page.get_by_label("Fuel").select_option("petrol")
    page.get_by_label("Transmission").select_option("manual")
    page.get_by_label("Body type").select_option("hatchback")
    page.get_by_label("Colour").fill("Blue")
    page.get_by_label("Previous owners").fill("1")
    page.get_by_label("Yes").check()
    page.get_by_label("Postcode").fill("10115")
    page.get_by_label("City").fill("Berlin")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name=re.compile("Step 3 of 4"))).to_be_visible()
    page.get_by_label("Reserve price (€)").fill("14500")
    page.get_by_role("button", name="Save and add photos").click()

    expect(page.get_by_role("heading", name=re.compile("Step 4 of 4"))).to_be_visible()
    page.wait_for_load_state()  # photos.js (deferred) uploads on change: it must be running first
    page.locator("input[name=photos]").set_input_files([str(front), str(back)])  # uploads at once (htmx)
    expect(page.locator(".photo-tile")).to_have_count(2)
    expect(page.get_by_text("2 photos added.")).to_be_visible()
    expect(page.locator(".photo-tile.is-cover")).to_have_count(1)
    page.screenshot(path=str(e2e_dir / "marketplace-01-photos.png"), full_page=True)

    page.get_by_role("link", name="Review and submit").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for inspection").click()

    expect(page.locator(".status-badge")).to_have_text("Submitted")
    expect(page.get_by_text("Waiting for an inspector.")).to_be_visible()
    page.screenshot(path=str(e2e_dir / "marketplace-02-submitted.png"), full_page=True)

    listing = Listing.objects.get(seller=seller)
    assert listing.status == "submitted" and listing.reserve_minor == 14_500_00
    assert listing.photos.count() == 2
