"""In the browser (promises 3 and 4): the dealer disputes a car sold on a really published report — the line the
report disclosed is shown but cannot be ticked, a line it passed can — and after staff decide that the seller
misrepresented the car, the seller's sale page says what they owe, why, and how to settle it."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from payments.models import Dispute, SellerReceivable
from tests.accounts.factories import PASSWORD
from tests.promises.report_sale import BRAKES, GEARBOX, page_client, sold_car

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "The gearbox whines in every gear; the report says it is quiet."
WHY = "The seller had the gearbox repaired in May and did not say so."


def _log_in(page, base, user):
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/accounts/dashboard/")


def test_the_dealer_disputes_a_line_the_report_passed_and_the_seller_sees_what_they_owe(
        browser, live_server, e2e_dir, django_capture_on_commit_callbacks):
    car = sold_car(django_capture_on_commit_callbacks)
    sale, base = car.sale, live_server.url

    dealer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(dealer, base, sale.buyer)
    dealer.goto(f"{base}/sales/{sale.pk}/")
    assert dealer.locator("[data-disclosed]").get_by_text("Brakes · Front discs — minor: worn").is_visible()
    dealer.get_by_text("Open a dispute").click()
    dealer.get_by_label("Reason").fill(REASON)
    dealer.locator("summary", has_text="Brakes").click()
    assert dealer.locator(f'input[name="item_keys"][value="{BRAKES}"]').is_disabled()
    dealer.locator("summary", has_text="Transmission and drivetrain").click()
    dealer.locator(f'input[name="item_keys"][value="{GEARBOX}"]').check()
    dealer.screenshot(path=str(e2e_dir / "dispute-01-dealer-picks-a-line.png"), full_page=True)
    dealer.get_by_role("button", name="Open the dispute").click()
    dealer.get_by_text("Your dispute is open").wait_for()
    dispute = Dispute.objects.get(sale=sale)
    assert dispute.item_keys == [GEARBOX]

    staff = page_client(car.staff)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post("/admin/payments/dispute/", {
            "action": "resolve", ACTION_CHECKBOX_NAME: [dispute.pk], "apply": "1", "outcome": "partial",
            "amount": "750.00", "cause": "seller_misrepresented", "cause_reason": WHY, "resolution": "Repair"})
    receivable = SellerReceivable.objects.get(sale=sale)

    seller = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
    _log_in(seller, base, sale.seller)
    seller.goto(f"{base}/sales/")
    seller.get_by_text("You owe Gavel €750.00").wait_for()
    seller.get_by_role("link", name=f"2016 {sale.listing.title}").first.click()
    owed = seller.locator("[data-receivables]")
    assert owed.get_by_text("You owe Gavel €750.00").is_visible() and owed.get_by_text(WHY).is_visible()
    assert seller.locator("[data-receivable-reference]").inner_text() == receivable.bank_reference
    seller.screenshot(path=str(e2e_dir / "dispute-02-seller-owes.png"), full_page=True)
