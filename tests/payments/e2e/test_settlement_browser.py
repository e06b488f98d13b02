"""In the browser: the dealer pays the invoice with the simulated card; after the handover the seller sees the
payout and its reference."""

import pytest

from payments.models import Sale
from tests.accounts.factories import PASSWORD
from tests.payments.factories import sold_auction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, base, user):
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/accounts/dashboard/")


def test_the_dealer_pays_by_card_and_the_seller_sees_the_payout_reference(browser, live_server, e2e_dir):
    sale = Sale.objects.get(auction=sold_auction(hammer_minor=12_500_00))
    base = live_server.url

    dealer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
    _log_in(dealer, base, sale.buyer)
    dealer.get_by_role("button", name="Menu").click()
    dealer.get_by_role("link", name="Sales", exact=True).click()
    dealer.get_by_role("link", name=f"2018 {sale.listing.title}").click()
    assert dealer.get_by_text("€12,799.00").first.is_visible()
    dealer.screenshot(path=str(e2e_dir / "payments-01-dealer-invoice.png"), full_page=True)
    dealer.get_by_role("button", name="Pay €12,799.00 by card").click()
    dealer.get_by_role("button", name="Pay €12,799.00").click()
    dealer.get_by_text("Payment received. The money is held in escrow").wait_for()
    dealer.screenshot(path=str(e2e_dir / "payments-02-dealer-paid.png"), full_page=True)

    seller = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(seller, base, sale.seller)
    seller.goto(f"{base}/sales/{sale.pk}/")
    assert seller.locator("[data-status]").first.get_attribute("data-status") == "paid"
    seller.get_by_label("Place").fill("Hauptstraße 1, 10115 Berlin")
    seller.get_by_label("Registration documents").check()
    seller.get_by_label("All keys").check()
    seller.get_by_label("Service book").check()
    seller.get_by_role("button", name="Save").click()
    seller.once("dialog", lambda dialog: dialog.accept())
    seller.get_by_role("button", name="Confirm the handover").click()
    seller.get_by_text("Your confirmation is recorded").wait_for()

    dealer.reload()
    dealer.once("dialog", lambda dialog: dialog.accept())
    dealer.get_by_role("button", name="Confirm the handover").click()
    dealer.get_by_text("Handover confirmed. The seller's payout is on its way.").wait_for()

    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID_OUT and sale.payout_reference
    seller.reload()
    assert seller.locator("[data-payout-reference]").inner_text() == sale.payout_reference
    assert seller.locator("[data-payout-status]").inner_text() == "Sent"
    seller.screenshot(path=str(e2e_dir / "payments-03-seller-payout.png"), full_page=True)
