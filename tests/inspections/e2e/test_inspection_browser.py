import pytest

from inspections import services
from inspections.models import InspectionReport
from tests.accounts.factories import PASSWORD, InspectorFactory
from tests.inspections.factories import complete_items, scheduled_inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, base_url, email):
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/accounts/dashboard/")


def test_an_inspector_fills_and_publishes_a_report_and_the_seller_sees_the_grade(browser, live_server, e2e_dir):
    inspector = InspectorFactory(full_name="Ingo Inspector")
    inspection = scheduled_inspection(inspector=inspector)
    # Most answers through the service, to keep the test short; the rest through the page below.
    items = complete_items()
    for key in ("engine.oil_leaks", "tyres_wheels.tread_fl", "interior.odour"):
        items.pop(key)
    services.inspection_report_save(inspection=inspection, actor=inspector, items=items,
                                    facts={"accident": False, "flood": False, "fire": False})

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _log_in(page, live_server.url, inspector.email)
    page.goto(live_server.url + "/inspect/")
    page.get_by_role("link", name="Open").first.click()
    assert page.get_by_text("132 of 135").is_visible()

    # One item with htmx: the row saves on change and the progress moves on.
    page.locator("details#engine > summary").click()
    row = page.locator('[data-key="engine.oil_leaks"]')
    row.get_by_text("Minor", exact=True).click()
    page.wait_for_selector('[data-key="engine.oil_leaks"] .saved-flag:has-text("Saved")')
    page.locator('[data-key="engine.oil_leaks"] input[name="note__engine.oil_leaks"]').fill("Sweating rocker cover")
    page.locator('[data-key="engine.oil_leaks"] input[name="note__engine.oil_leaks"]').press("Tab")
    page.wait_for_function("document.querySelector('[data-key=\"engine.oil_leaks\"] input[type=text]').value"
                           " === 'Sweating rocker cover'")
    page.locator("details#tyres_wheels > summary").click()
    tread = page.locator('[data-key="tyres_wheels.tread_fl"] input[name="value__tyres_wheels.tread_fl"]')
    tread.fill("2.4")
    tread.press("Tab")
    page.wait_for_selector('[data-key="tyres_wheels.tread_fl"] .badge:has-text("Minor")')
    page.locator("details#interior > summary").click()
    page.locator('[data-key="interior.odour"]').get_by_text("OK", exact=True).click()
    page.wait_for_selector('[data-progress]:has-text("135 of 135")')

    # The facts: odometer reading and photo, VIN.
    from tests.inspections.factories import jpeg_upload

    def saving():
        return page.expect_response(lambda response: response.url.endswith("/save/"))

    with saving():
        page.get_by_label("Odometer reading (km)").fill(str(inspection.listing.mileage_km + 80))
        page.get_by_label("Odometer reading (km)").press("Tab")
    with saving():
        page.get_by_label("VIN found on the car").fill(inspection.listing.vin)
        page.get_by_label("VIN found on the car").press("Tab")
    page.wait_for_load_state("networkidle")
    upload = jpeg_upload((10, 10, 10))
    with saving():
        page.get_by_label("Odometer photo").set_input_files(
            files=[{"name": "odometer.jpg", "mimeType": "image/jpeg", "buffer": upload.read()}])
    page.wait_for_selector("#facts img[alt='Odometer photo']")
    page.screenshot(path=str(e2e_dir / "inspections-01-report-form.png"), full_page=False)

    page.get_by_role("button", name="Publish report").click()
    page.wait_for_url(f"{live_server.url}/cars/{inspection.listing_id}/report/")
    report = InspectionReport.objects.get(inspection=inspection)
    assert report.grade == "A" and report.score == 97  # 100 − 1.95 (engine minor) − 1.20 (tyre minor) = 96.85
    assert page.get_by_text(report.fingerprint).is_visible()
    assert page.get_by_text("Sweating rocker cover").first.is_visible()
    page.screenshot(path=str(e2e_dir / "inspections-02-published-report.png"), full_page=True)
    context.close()

    seller_context = browser.new_context(viewport={"width": 1280, "height": 900})
    seller_page = seller_context.new_page()
    _log_in(seller_page, live_server.url, inspection.listing.seller.email)
    seller_page.goto(f"{live_server.url}/sell/{inspection.listing_id}/")
    assert seller_page.get_by_text("Grade A", exact=True).is_visible()
    assert seller_page.locator(".status-badge").inner_text() == "Inspected"
    seller_page.screenshot(path=str(e2e_dir / "inspections-03-seller-sees-grade.png"), full_page=True)
    seller_context.close()
