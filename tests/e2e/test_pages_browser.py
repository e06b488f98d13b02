"""In the browser (issue 20): every main page at 1280 and 390 px passes the axe-core audit with no serious or
critical violation, fits a phone without sideways scrolling and is saved as var/e2e/pages-<page>-<width>.png; a
dealer bids with the keyboard only; the gallery swipes, zooms and pages with the keys; the seller counters below
the reserve and the top bidder accepts (or declines); two dealers race for a buy-now car and one gets it."""

import pytest
from django.utils import timezone

from auctions import services as auction_services
from auctions.models import Auction
from inspections import services as inspection_services
from payments import services as payment_services
from payments.models import BuyNowOffer, Sale
from tests.accounts.factories import PASSWORD, DealerFactory, SellerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import ApprovedListingFactory, make_auction
from tests.e2e.a11y import WIDTHS, check_page
from tests.inspections.factories import jpeg_upload, published_inspection

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def log_in(browser, base, user, *, width="desktop"):
    w, h = WIDTHS[width]
    page = browser.new_context(viewport={"width": w, "height": h}).new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/accounts/dashboard/")
    return page


def car_in_auction(*, seller=None):
    """A live auction of a car with two photos and a published report with one damage entry."""
    from marketplace import services as listing_services

    seller = seller or SellerFactory()
    listing = listing_services.listing_create(
        seller=seller, vin="WVWZZZ1KZAW123456", registration_plate="B-GV 20", make="Volkswagen", model="Golf",
        first_registration_year=2016, mileage_km=100_000, fuel="petrol", transmission="manual",
        body_type="hatchback", colour="Blue", previous_owners=1, service_history=True, postcode="10115",
        city="Berlin", reserve_minor=12_345_00)
    for colour in ((30, 60, 90), (10, 120, 40)):
        listing_services.listing_photo_add(listing=listing, actor=seller, upload=jpeg_upload(colour, size=(640, 480)))
    inspection_services.listing_submit_for_inspection(listing=listing, actor=seller)
    inspection, _ = published_inspection(listing=listing)
    staff = StaffFactory()
    inspection_services.inspection_listing_approve(inspection=inspection, actor=staff)
    return auction_services.auction_schedule(listing=listing, actor=staff, starts_at=timezone.now(),
                                             starting_price_minor=10_000_00, duration_minutes=30)


def close(auction):
    move_end(auction, seconds_from_now=-1)
    payment_services.auction_close_and_settle(auction_id=auction.pk)


def test_every_main_page_passes_the_audit_fits_a_phone_and_is_screenshotted(browser, live_server, e2e_dir):
    base = live_server.url
    live = car_in_auction()
    seller = live.listing.seller
    dealer, rival = DealerFactory(verified=True), DealerFactory(verified=True)
    auction_services.bid_place(auction_id=live.pk, dealer=rival, amount_minor=10_000_00)
    ended = make_auction(starting_price_minor=10_000_00, reserve_minor=10_000_00)
    auction_services.bid_place(auction_id=ended.pk, dealer=dealer, amount_minor=10_500_00)
    close(ended)
    sale = Sale.objects.get(auction=ended)

    problems = []
    for width in WIDTHS:
        w, h = WIDTHS[width]
        anonymous = browser.new_context(viewport={"width": w, "height": h}).new_page()
        anonymous.goto(base + "/accounts/login/")
        assert "Gavel" in anonymous.title() and "testserver" not in anonymous.title()
        problems += check_page(anonymous, name="login", width=width, e2e_dir=e2e_dir)
        anonymous.goto(base + "/")
        problems += check_page(anonymous, name="home", width=width, e2e_dir=e2e_dir)

        as_dealer = log_in(browser, base, dealer, width=width)
        for name, path in [("dealer-dashboard", "/accounts/dashboard/"), ("auctions", "/auctions/"),
                           ("auction-live", f"/auctions/{live.pk}/"), ("auction-ended", f"/auctions/{ended.pk}/"),
                           ("sales", "/sales/"), ("sale", f"/sales/{sale.pk}/"),
                           ("report", f"/cars/{live.listing_id}/report/")]:
            as_dealer.goto(base + path)
            problems += check_page(as_dealer, name=name, width=width, e2e_dir=e2e_dir)

        as_seller = log_in(browser, base, seller, width=width)
        for name, path in [("seller-dashboard", "/accounts/dashboard/"), ("my-cars", "/sell/"),
                           ("car-timeline", f"/sell/{live.listing_id}/"), ("seller-auction", f"/auctions/{live.pk}/"),
                           ("new-car", "/sell/new/")]:
            as_seller.goto(base + path)
            problems += check_page(as_seller, name=name, width=width, e2e_dir=e2e_dir)
    assert problems == [], "\n".join(problems)


def test_the_admin_pages_staff_use_pass_the_audit_at_both_widths(browser, live_server, e2e_dir):
    """Django admin as staff use it: the index, and the changelist and change form of each main model (our
    templates and customisations are on these pages: money columns, status badges, the moderation actions)."""
    base = live_server.url
    live = car_in_auction()
    dealer = DealerFactory(verified=True)
    auction_services.bid_place(auction_id=live.pk, dealer=dealer, amount_minor=10_000_00)
    ended = make_auction(starting_price_minor=10_000_00, reserve_minor=10_000_00)
    auction_services.bid_place(auction_id=ended.pk, dealer=dealer, amount_minor=10_500_00)
    close(ended)
    sale = Sale.objects.get(auction=ended)
    inspection = live.listing.inspections.get()
    report = inspection.reports.get()
    staff = StaffFactory()
    waiting = ApprovedListingFactory()  # approved, no auction yet: on the scheduling list
    pages = [("staff-overview", "/accounts/dashboard/"), ("index", "/admin/"),
             ("users", "/admin/accounts/user/"), ("user", f"/admin/accounts/user/{dealer.pk}/change/"),
             ("dealers", "/admin/accounts/dealerprofile/"),
             ("dealer", f"/admin/accounts/dealerprofile/{dealer.dealer_profile.pk}/change/"),
             ("listings", "/admin/marketplace/listing/"),
             ("listing", f"/admin/marketplace/listing/{live.listing_id}/change/"),
             ("inspections", "/admin/inspections/inspection/"),
             ("inspection", f"/admin/inspections/inspection/{inspection.pk}/change/"),
             ("reports", "/admin/inspections/inspectionreport/"),
             ("report", f"/admin/inspections/inspectionreport/{report.pk}/change/"),
             ("to-schedule", "/admin/auctions/approvedlisting/"),
             ("auctions", "/admin/auctions/auction/"), ("auction", f"/admin/auctions/auction/{live.pk}/change/"),
             ("sales", "/admin/payments/sale/"), ("sale", f"/admin/payments/sale/{sale.pk}/change/"),
             ("disputes", "/admin/payments/dispute/"), ("audit-log", "/admin/core/auditlog/")]
    problems = []
    for width in WIDTHS:
        page = log_in(browser, base, staff, width=width)
        for name, path in pages:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            problems += check_page(page, name=f"admin-{name}", width=width, e2e_dir=e2e_dir, django_admin=True)
        # The scheduling form staff reach through the changelist's action (templates/admin/auctions/schedule.html).
        page.goto(base + "/admin/auctions/approvedlisting/")
        page.locator(f"input[name=_selected_action][value='{waiting.pk}']").check()
        page.locator("select[name=action]").select_option("schedule_auction")
        page.locator("button[name=index]").click()
        page.wait_for_selector("input[name=starts_at]")
        problems += check_page(page, name="admin-schedule-action", width=width, e2e_dir=e2e_dir, django_admin=True)
    assert problems == [], "\n".join(problems)


def test_the_relist_page_shows_the_price_guide_next_to_the_new_reserve_at_both_widths(browser, live_server, e2e_dir):
    live = car_in_auction()
    close(live)  # nobody bid: unsold, the report is fresh
    problems = []
    for width in WIDTHS:
        page = log_in(browser, live_server.url, live.listing.seller, width=width)
        page.goto(f"{live_server.url}/sell/{live.listing_id}/")
        guide = page.locator("[data-relist-guidance]")
        assert guide.is_visible() and "What cars like yours sold for" in guide.inner_text()
        assert guide.get_by_role("link", name="How the price guide works").get_attribute("href") == (
            "/methods/#price-guidance")
        page.get_by_role("link", name="What cars like yours sold for").click()
        problems += check_page(page, name="relist", width=width, e2e_dir=e2e_dir)
    assert problems == [], "\n".join(problems)


def test_a_dealer_bids_with_the_keyboard_only_and_is_told_what_happens_next(browser, live_server, e2e_dir):
    auction = car_in_auction()
    dealer = DealerFactory(verified=True)
    page = log_in(browser, live_server.url, dealer)
    page.goto(f"{live_server.url}/auctions/{auction.pk}/")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.hasAttribute('data-bid-now')"):
            break
    else:
        pytest.fail("The bid button cannot be reached with the Tab key.")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-describedby')") == "all-in-note"
    page.keyboard.press("Enter")
    page.get_by_text("Your bid is in. You are the highest bidder.").wait_for()
    assert "the car is yours: you get the invoice at once" in page.locator(".messages").inner_text()
    page.screenshot(path=str(e2e_dir / "pages-keyboard-bid.png"), full_page=True)
    auction.refresh_from_db()
    assert auction.leader_id == dealer.pk and auction.price_minor == 10_000_00


def test_the_gallery_swipes_zooms_and_pages_with_the_keys(browser, live_server, e2e_dir):
    auction = car_in_auction()
    page = log_in(browser, live_server.url, DealerFactory(verified=True), width="phone")
    page.goto(f"{live_server.url}/auctions/{auction.pk}/")
    gallery = page.locator("[data-gallery]")
    gallery.locator("[data-gallery-track]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-gallery-count]').textContent.trim() === '2 / 2'")
    gallery.locator("a[data-lightbox]").first.click()
    dialog = page.locator("dialog.lightbox")
    dialog.wait_for(state="visible")
    assert "(1 of 2)" in dialog.locator(".lightbox-caption").inner_text()
    page.keyboard.press("ArrowRight")
    assert "(2 of 2)" in dialog.locator(".lightbox-caption").inner_text()
    dialog.get_by_role("button", name="Zoom").click()
    assert dialog.get_attribute("class") == "lightbox zoomed"
    page.screenshot(path=str(e2e_dir / "pages-gallery-zoomed.png"))
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-lightbox')")


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_the_seller_counters_below_the_reserve_and_the_top_bidder_answers(browser, live_server, e2e_dir, answer):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    top = DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=top, amount_minor=11_000_00)
    close(auction)
    base = live_server.url

    seller = log_in(browser, base, auction.listing.seller, width="phone")
    seller.goto(f"{base}/auctions/{auction.pk}/")
    seller.locator("[data-bidder-maxima]").get_by_text("€11,000").wait_for()
    seller.get_by_label("Or counter with your price").fill("11800")
    seller.get_by_role("button", name="Send counter-offer").click()
    seller.get_by_text("Your counter-offer is sent.").wait_for()
    seller.screenshot(path=str(e2e_dir / f"pages-counter-{answer}-01-seller.png"), full_page=True)

    dealer = log_in(browser, base, top, width="phone")
    dealer.goto(f"{base}/auctions/{auction.pk}/")
    box = dealer.locator("[data-counter-offer]")
    assert "The seller offers you the car for €11,800." in box.inner_text()
    dealer.once("dialog", lambda d: d.accept())
    if answer == "accept":
        box.get_by_role("button", name="Buy for €11,800").click()
        dealer.get_by_text("The car is yours at the seller's price").wait_for()
        dealer.locator("[data-sale-link]").click()
        dealer.get_by_role("button", name="by card").wait_for()
        sale = Sale.objects.get(auction=auction)
        assert (sale.buyer_id, sale.hammer_price_minor) == (top.pk, 11_800_00)
    else:
        box.get_by_role("button", name="Decline").click()
        dealer.get_by_text("You declined the seller's counter-offer.").wait_for()
        auction.refresh_from_db()
        assert auction.outcome == Auction.Outcome.UNSOLD and not Sale.objects.exists()
    dealer.screenshot(path=str(e2e_dir / f"pages-counter-{answer}-02-dealer.png"), full_page=True)


def test_two_dealers_race_for_a_buy_now_car_and_the_first_to_confirm_gets_it(browser, live_server, e2e_dir):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    close(auction)  # no bids
    offer = payment_services.buy_now_propose(listing=auction.listing, actor=StaffFactory(), price_minor=11_000_00)
    payment_services.buy_now_seller_answer(offer_id=offer.pk, seller=auction.listing.seller, agree=True)
    first, second = DealerFactory(verified=True), DealerFactory(verified=True)
    pages = [log_in(browser, live_server.url, dealer) for dealer in (first, second)]
    for page in pages:
        page.goto(live_server.url + "/sales/")
        page.once("dialog", lambda d: d.accept())
    pages[0].get_by_role("button", name="Buy for €11,000").click()
    pages[0].get_by_text("The car is yours.").wait_for()
    pages[1].get_by_role("button", name="Buy for €11,000").click()
    pages[1].get_by_text("This car is no longer on offer").wait_for()
    pages[1].screenshot(path=str(e2e_dir / "pages-buy-now-too-late.png"), full_page=True)
    assert Sale.objects.get(auction=auction).buyer_id == first.pk
    assert BuyNowOffer.objects.get().status == BuyNowOffer.Status.SOLD
