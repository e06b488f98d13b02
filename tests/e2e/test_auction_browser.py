import pytest

from auctions import services
from auctions.models import Auction
from tests.accounts.factories import PASSWORD, DealerFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def log_in(page, base, email):
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/accounts/dashboard/")


def test_a_dealer_bids_is_outbid_by_a_proxy_raises_and_wins(browser, live_server, e2e_dir):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    dana = DealerFactory(verified=True, email="dana@example.test")
    rival = DealerFactory(verified=True)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, live_server.url, dana.email)

    page.get_by_role("link", name="Auctions").first.click()
    page.get_by_role("link", name="2018 Volkswagen Golf").click()
    page.get_by_role("button", name="Bid €10,000 now").click()
    assert page.get_by_text("You are the highest bidder").is_visible()
    assert page.locator(".bid-box [data-my-state]").get_attribute("data-my-state") == "leading"

    # Another dealer sets a higher maximum; their proxy takes the lead at once.
    services.bid_place(auction_id=auction.pk, dealer=rival, max_amount_minor=12_500_00)
    page.reload()
    assert page.locator(".bid-box [data-my-state]").get_attribute("data-my-state") == "outbid"
    assert page.get_by_text("Dealer 2").first.is_visible()
    page.screenshot(path=str(e2e_dir / "auctions-01-outbid-by-proxy.png"), full_page=True)

    page.get_by_label("Or set a maximum").fill("13000")
    page.get_by_role("button", name="Set maximum").click()
    assert page.get_by_text("Your maximum is set. You are the highest bidder.").is_visible()
    assert page.locator(".bid-box [data-my-state]").get_attribute("data-my-state") == "leading"

    move_end(auction, seconds_from_now=-1)
    services.auction_close(auction_id=auction.pk)
    page.reload()
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.SOLD and auction.winner_id == dana.pk
    assert page.get_by_text("You won this car for €12,600.").is_visible()
    page.screenshot(path=str(e2e_dir / "auctions-02-won.png"), full_page=True)
    page.goto(live_server.url + "/auctions/?tab=won")
    assert page.get_by_role("link", name="2018 Volkswagen Golf").is_visible()
