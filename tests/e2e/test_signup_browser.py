import pytest

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_seller_signs_up_in_the_browser_and_sees_their_dashboard(browser, live_server, e2e_dir):
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="List your car — free").click()

    page.get_by_label("Your name").fill("Brenda Browser")
    page.get_by_label("Email address").fill("brenda@example.test")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-7")
    page.get_by_label("Password again").fill("a-long-passphrase-8")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_text("The two passwords differ.").is_visible()

    page.get_by_label("Password", exact=True).fill("a-long-passphrase-7")
    page.get_by_label("Password again").fill("a-long-passphrase-7")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(live_server.url + "/accounts/dashboard/")
    assert page.get_by_role("heading", name="Hello Brenda").is_visible()
    assert page.get_by_text("Your seller account is ready").is_visible()
    page.screenshot(path=str(e2e_dir / "foundation-01-seller-dashboard.png"), full_page=True)
    assert User.objects.get(email="brenda@example.test").role == "seller"
