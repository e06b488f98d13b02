"""In the browser, on a phone: the dealer records the collection check of a car sold on a really published report
(one finding the report disclosed, one it did not), requests the computed adjustment; the seller, on their phone,
sees the evidence and the computation and refuses; the sale is cancelled and the break fee leaves the dealer's
deposit."""

import pytest

from inspections.repair_cost import repair_cost_table_load
from payments.fee_schedule import fee_schedule_load
from payments.ledger import ledger_check_invariants
from payments.models import LedgerTransaction, Sale
from payments.selectors import deposit_balance_minor
from tests.accounts.factories import PASSWORD
from tests.marketplace.images import jpeg_bytes
from tests.nochip.test_deposits import deposit_dealer
from tests.promises.report_sale import sold_car

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
WINDSCREEN, DOOR_DENT = "glass_lights.windscreen", "damage.door_fl.dent"


def _log_in(page, base, user):
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/accounts/dashboard/")


def test_on_a_phone_the_seller_refuses_the_computed_adjustment_and_the_break_fee_leaves_the_deposit(
        browser, live_server, e2e_dir, tmp_path, django_capture_on_commit_callbacks):
    sale = sold_car(django_capture_on_commit_callbacks, handed_over=False, buyer=deposit_dealer(2_000_00)).sale
    base = live_server.url
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes())
    amount = (repair_cost_table_load().entry(WINDSCREEN).cost("major", "EUR").amount_minor
              - fee_schedule_load().for_currency("EUR").deductible_minor)
    shown = f"€{amount // 100:,}.{amount % 100:02d}"

    dealer = browser.new_context(viewport=PHONE).new_page()
    _log_in(dealer, base, sale.buyer)
    dealer.goto(f"{base}/sales/{sale.pk}/")
    dealer.locator("[data-record-collection-check]").click()
    dealer.locator("#id_vin_on_car").fill(sale.listing.vin)
    dealer.locator("#id_vin_photo").set_input_files(str(photo))
    dealer.locator("#id_odometer_km").fill(str(sale.listing.mileage_km + 120))
    dealer.locator("#id_odometer_photo").set_input_files(str(photo))
    dealer.locator("#id_findings-0-key").select_option(DOOR_DENT)  # the report disclosed a major dent here
    dealer.locator("#id_findings-0-severity").select_option("major")
    dealer.locator("#id_findings-0-photos").set_input_files(str(photo))
    dealer.locator("#id_findings-1-key").select_option(WINDSCREEN)  # the report passed the windscreen
    dealer.locator("#id_findings-1-severity").select_option("major")
    dealer.locator("#id_findings-1-photos").set_input_files(str(photo))
    dealer.screenshot(path=str(e2e_dir / "nochip-01-dealer-records-the-check.png"), full_page=True)
    dealer.locator("[data-record-check]").click()
    dealer.get_by_text("Your collection check is recorded.").wait_for()
    disclosed = dealer.locator(f'[data-finding="{DOOR_DENT}"]')
    assert disclosed.get_attribute("data-reason") == "disclosed" and disclosed.get_by_text("Disclosed").is_visible()
    assert dealer.locator(f'[data-finding="{WINDSCREEN}"]').get_by_text("Not in the report").is_visible()
    assert dealer.locator("[data-adjustment-amount]").inner_text() == shown
    assert dealer.locator('input[name*="amount"]').count() == 0  # the dealer types no number
    dealer.locator("[data-request-adjustment]").click()
    dealer.get_by_text(f"Adjustment of {shown} requested").wait_for()

    seller = browser.new_context(viewport=PHONE).new_page()
    _log_in(seller, base, sale.seller)
    seller.goto(f"{base}/sales/{sale.pk}/")
    assert seller.locator("[data-adjustment-amount]").inner_text() == shown
    assert seller.locator(f'[data-finding="{DOOR_DENT}"]').get_by_text("Disclosed").is_visible()
    assert seller.locator(f'[data-finding="{WINDSCREEN}"] img').count() == 1  # the evidence
    seller.screenshot(path=str(e2e_dir / "nochip-02-seller-sees-the-computation.png"), full_page=True)
    seller.on("dialog", lambda dialog: dialog.accept())
    seller.locator("[data-adjustment-refuse]").click()
    seller.get_by_text("You refused the adjustment").wait_for()
    seller.screenshot(path=str(e2e_dir / "nochip-03-seller-refused.png"), full_page=True)

    sale.refresh_from_db()
    assert sale.status == Sale.Status.CANCELLED and sale.refunded_minor == sale.amount_due_minor
    assert deposit_balance_minor(sale.buyer) == 2_000_00 - 300_00
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.BREAK_FEE, sale=sale).exists()
    assert ledger_check_invariants() == []
