"""Two dealers in two browser contexts on the real ASGI server: one bids, the other's page follows live."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from auctions import services
from tests.accounts.factories import DealerFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction
from tests.live.conftest import session_cookie

# serial: soft-close extensions in real time, in a browser, on the real server.
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.serial]


def dealer_page(browser, server, user, path, *, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie(user),
                          "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.goto(server.origin + path)
    page.wait_for_selector("html[data-live-auction=ready]")
    return page


def test_a_rivals_bid_and_a_soft_close_extension_reach_the_other_dealers_page_without_reloading(
        browser, asgi_server, e2e_dir):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    ana, ben, cleo = (DealerFactory(verified=True) for _ in range(3))
    path = f"/auctions/{auction.pk}/"
    ben_page = dealer_page(browser, asgi_server, ben, path, width=390)
    ben_page.get_by_role("button", name="Bid €10,000 now").click()
    ben_page.wait_for_selector("html[data-live-auction=ready]")
    assert ben_page.locator(".bid-box [data-my-state]").get_attribute("data-my-state") == "leading"
    ben_page.evaluate("window.__stillTheSamePage = true")

    ana_page = dealer_page(browser, asgi_server, ana, path)
    ana_page.get_by_role("button", name="Bid €10,100 now").click()

    # Ben's page follows at once: price, his state, the next bid, the history and an outbid toast.
    expect(ben_page.locator("[data-price]")).to_have_text("€10,100")
    assert ben_page.locator(".bid-box [data-my-state]").get_attribute("data-my-state") == "outbid"
    assert ben_page.get_by_role("button", name="Bid €10,200 now").is_visible()
    assert ben_page.locator("[data-bid-count]").inner_text() == "2 bids"
    assert ben_page.locator(".bid-history li").first.inner_text().startswith("Dealer 2")
    ben_page.wait_for_selector(".live-toast >> text=You have been outbid on the 2018 Volkswagen Golf")
    assert ben_page.evaluate("window.__stillTheSamePage") is True, "no reload"
    ben_page.screenshot(path=str(e2e_dir / "live-01-outbid-without-reload.png"), full_page=True)

    # A bid in the last seconds extends the auction; everyone's countdown moves.
    move_end(auction, seconds_from_now=20)
    ben_page.reload()
    ben_page.wait_for_selector("html[data-live-auction=ready]")
    ends_before = ben_page.locator(".countdown").get_attribute("data-ends-at")
    expect(ben_page.locator(".countdown")).to_have_text(re.compile(r"^0:[012][0-9]$"))
    services.bid_place(auction_id=auction.pk, dealer=cleo, amount_minor=10_200_00)
    expect(ben_page.locator(".countdown")).to_have_text(re.compile(r"^[12]:[0-5][0-9]$"))
    assert ben_page.locator(".countdown").get_attribute("data-ends-at") != ends_before
    assert ben_page.locator("[data-price]").inner_text() == "€10,200"
    ben_page.screenshot(path=str(e2e_dir / "live-02-soft-close-extension.png"), full_page=True)
    expect(ana_page.locator(".bid-box [data-my-state]")).to_have_attribute("data-my-state", "outbid")
    ana_page.screenshot(path=str(e2e_dir / "live-03-other-dealer-desktop.png"), full_page=True)


def test_the_dashboard_card_follows_a_bid_live(browser, asgi_server, e2e_dir):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=10_050_00)
    watcher, bidder = DealerFactory(verified=True), DealerFactory(verified=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie(watcher),
                          "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.goto(asgi_server.origin + "/auctions/")
    page.wait_for_selector("html[data-live-dashboard=ready]")
    services.bid_place(auction_id=auction.pk, dealer=bidder, amount_minor=10_100_00)
    card = f".auction-card[data-auction-id='{auction.pk}']"
    expect(page.locator(f"{card} [data-price]")).to_have_text("€10,100")
    assert page.locator(f"{card} [data-bid-count]").inner_text() == "1 bid"
    assert page.locator(f"{card} [data-reserve]").inner_text() == "Reserve met"
    page.screenshot(path=str(e2e_dir / "live-04-dashboard-card.png"), full_page=True)


def test_the_dashboard_card_announces_price_and_lead_changes_politely_without_reloading(browser, asgi_server,
                                                                                          e2e_dir):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    dana, rival, third = (DealerFactory(verified=True) for _ in range(3))
    services.bid_place(auction_id=auction.pk, dealer=dana, amount_minor=10_000_00)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie(dana),
                          "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.goto(asgi_server.origin + "/auctions/?tab=my_bids")
    page.wait_for_selector("html[data-live-dashboard=ready]")
    page.evaluate("window.__stillTheSamePage = true")
    region = page.locator(f".auction-card[data-auction-id='{auction.pk}'] [data-card-announce]")
    assert region.get_attribute("aria-live") == "polite" and region.inner_text() == ""

    services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
    expect(region).to_have_text("You lost the lead on the 2018 Volkswagen Golf: now €10,100, 2 bids.")
    services.bid_place(auction_id=auction.pk, dealer=third, amount_minor=10_300_00)
    expect(region).to_have_text("2018 Volkswagen Golf: now €10,300, 3 bids.")
    services.bid_place(auction_id=auction.pk, dealer=dana, amount_minor=10_500_00)
    expect(region).to_have_text("You lead on the 2018 Volkswagen Golf at €10,500.")
    assert page.evaluate("window.__stillTheSamePage") is True, "no reload"
    page.screenshot(path=str(e2e_dir / "live-05-dashboard-card-announced.png"), full_page=True)


def test_when_a_bidder_is_withdrawn_the_page_follows_the_lower_price_live_and_says_why(browser, asgi_server, e2e_dir):
    from accounts.models import DealerProfile
    from payments.services import dealer_suspend_and_withdraw
    from tests.accounts.factories import StaffFactory

    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    runner_up, leader = DealerFactory(verified=True), DealerFactory(verified=True)
    services.bid_place(auction_id=auction.pk, dealer=runner_up, max_amount_minor=12_500_00)
    services.bid_place(auction_id=auction.pk, dealer=leader, max_amount_minor=14_000_00)
    page = dealer_page(browser, asgi_server, runner_up, f"/auctions/{auction.pk}/", width=390)
    assert page.locator("[data-price]").inner_text() == "€12,600"
    page.evaluate("window.__stillTheSamePage = true")

    dealer_suspend_and_withdraw(profile=DealerProfile.objects.get(user=leader), actor=StaffFactory(),
                                reason="Licence revoked")

    expect(page.locator("[data-repriced-notice]")).to_contain_text("the price may have gone down")
    expect(page.locator("[data-price]")).to_have_text("€10,000")
    expect(page.locator(".bid-box [data-my-state]")).to_have_attribute("data-my-state", "leading")
    expect(page.locator(".bid-history li")).to_have_count(1)
    assert page.evaluate("window.__stillTheSamePage") is True, "no reload"
    page.screenshot(path=str(e2e_dir / "live-04-bidder-withdrawn.png"), full_page=True)
