"""In the browser (promises 3 and 4): the dealer disputes a car sold on a really published report — a finding the
report disclosed is refused by name, one it passed opens the dispute with the computed refund — and after staff
decide (an override, with a written reason) that the seller misrepresented the car, the seller's sale page says what
they owe, why, and how to settle it."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from payments.models import Dispute, SellerReceivable
from tests.accounts.factories import PASSWORD
from tests.marketplace.images import jpeg_bytes
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
    # First the front discs the report disclosed: refused by name, nothing written.
    dealer.locator("#id_dispute-findings-0-key").select_option(BRAKES)
    dealer.locator("#id_dispute-findings-0-severity").select_option("minor")
    dealer.locator("#id_dispute-findings-0-photos").set_input_files(
        files=[{"name": "discs.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(320, 240)}])
    dealer.get_by_role("button", name="Open the dispute").click()
    dealer.get_by_text("Front discs: Disclosed as minor: already in the price.").wait_for()
    assert not Dispute.objects.filter(sale=sale).exists()
    dealer.locator("#id_dispute-findings-0-key").select_option(GEARBOX)
    dealer.locator("#id_dispute-findings-0-severity").select_option("major")
    dealer.locator("#id_dispute-findings-0-photos").set_input_files(
        files=[{"name": "gearbox.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(320, 240)}])
    dealer.screenshot(path=str(e2e_dir / "dispute-01-dealer-records-a-finding.png"), full_page=True)
    dealer.get_by_role("button", name="Open the dispute").click()
    dealer.get_by_text("Your dispute is open").wait_for()
    assert dealer.locator("[data-dispute-computed]").inner_text() == "€2,350.00"
    dispute = Dispute.objects.get(sale=sale)
    assert dispute.item_keys == [GEARBOX] and dispute.computed_minor == 2_350_00

    staff = page_client(car.staff)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post("/admin/payments/dispute/", {
            "action": "resolve", ACTION_CHECKBOX_NAME: [dispute.pk], "apply": "1", "outcome": "partial",
            "amount": "750.00", "cause": "seller_misrepresented", "cause_reason": WHY,
            "resolution": "A garage quoted €750.00 for the hidden repair."})
    receivable = SellerReceivable.objects.get(sale=sale)

    seller = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
    _log_in(seller, base, sale.seller)
    seller.goto(f"{base}/sales/")
    seller.get_by_text("You owe Gavel €750.00").wait_for()
    seller.get_by_role("link", name=f"2016 {sale.listing.title}").first.click()
    owed = seller.locator("[data-receivables]")
    assert owed.get_by_text("You owe Gavel €750.00").is_visible() and owed.get_by_text(WHY).is_visible()
    assert seller.locator("[data-receivable-reference]").inner_text() == receivable.bank_reference
    override = seller.locator("[data-dispute-override]")  # staff decided differently: the seller reads why
    assert override.get_by_text("A garage quoted €750.00 for the hidden repair.").is_visible()
    seller.screenshot(path=str(e2e_dir / "dispute-02-seller-owes.png"), full_page=True)
