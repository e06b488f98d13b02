"""The sell-car wizard's first three steps in the browser, shared by the browser tests that list a car."""

import re

from playwright.sync_api import expect


def fill_listing_steps(page, *, vin: str, reserve_eur: int) -> None:
    """From "List a car" to step 4 (photos) with a 2019 Golf in Berlin; photos.js is running when it returns."""
    page.get_by_role("link", name="List a car").first.click()
    # The make and year before the VIN: once a whole VIN is typed, vin.js fills whichever of them is still empty
    # when the server's answer arrives, and an answer landing in the middle of Playwright's fill (select all, then
    # insert) would leave "VolkswagenVolkswagen".
    page.get_by_label("Make", exact=True).fill("Volkswagen")
    page.get_by_label("Model", exact=True).fill("Golf")
    page.get_by_label("Variant").fill("1.5 TSI Life")
    page.get_by_label("First registered (year)").fill("2019")
    page.get_by_label("Registration plate").fill("B-GV 2026")
    page.get_by_label("VIN").fill(vin)
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
    page.get_by_label("Reserve price (€)").fill(str(reserve_eur))
    page.get_by_role("button", name="Save and add photos").click()
    expect(page.get_by_role("heading", name=re.compile("Step 4 of 4"))).to_be_visible()
    page.wait_for_load_state()  # photos.js (deferred) uploads on change: it must be running first
