"""In the browser, the seller's word on prices below the reserve (promise 1):

- the seller declines an under-reserve result on the auction page;
- an overdue sale goes to a second-chance offer below the reserve: staff cancel it in admin, the seller consents
  on the sale page first, and only then does the runner-up see the offer and buy the car.
"""

from datetime import timedelta

import pytest

from auctions import services as auction_services
from auctions.models import Auction, SellerConsent
from core.clock import db_now
from marketplace.models import Listing
from payments import services as payment_services
from payments.models import Sale, SecondChanceOffer
from tests.accounts.factories import PASSWORD, DealerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def log_in(browser, base, user, *, viewport=(1280, 900)):
    page = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}).new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/accounts/dashboard/")
    return page


def close(auction: Auction) -> None:
    move_end(auction, seconds_from_now=-1)
    payment_services.auction_close_and_settle(auction_id=auction.pk)


def test_the_seller_declines_a_top_bid_below_the_reserve(browser, live_server, e2e_dir):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    leader = DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=leader, amount_minor=11_000_00)
    close(auction)
    seller = log_in(browser, live_server.url, auction.listing.seller, viewport=(390, 844))  # a phone

    decisions = seller.locator("[data-seller-decisions]")
    assert "€11,000.00 (your reserve: €12,000.00)" in decisions.inner_text()
    decisions.get_by_role("link", name="decide on the auction page").click()
    seller.get_by_text("The top bid, €11,000, is below your reserve.").wait_for()
    seller.screenshot(path=str(e2e_dir / "decisions-01-seller-asked.png"), full_page=True)
    seller.once("dialog", lambda dialog: dialog.accept())
    seller.get_by_role("button", name="Decline").click()
    seller.get_by_text("Thank you: your decision is recorded.").wait_for()
    assert seller.locator("[data-unsold]").is_visible()
    assert seller.locator(".page-head [data-status]").inner_text() == "Not sold (seller declined)"
    seller.screenshot(path=str(e2e_dir / "decisions-02-seller-declined.png"), full_page=True)

    auction.refresh_from_db()
    consent = SellerConsent.objects.get(auction=auction)
    assert auction.outcome == Auction.Outcome.UNSOLD and not Sale.objects.filter(auction=auction).exists()
    assert (consent.status, consent.decided_by_id) == (SellerConsent.Status.DECLINED, auction.listing.seller_id)
    assert Listing.objects.get(pk=auction.listing_id).status == Listing.Status.UNSOLD


def test_an_overdue_sale_goes_to_the_runner_up_below_the_reserve_only_after_the_seller_consents(
        browser, live_server, e2e_dir):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    runner_up = DealerFactory(verified=True, email="runner-up@example.test")
    winner = DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=runner_up, amount_minor=11_000_00)
    auction_services.bid_place(auction_id=auction.pk, dealer=winner, amount_minor=12_500_00)
    close(auction)
    sale = Sale.objects.get(auction=auction)
    Sale.objects.filter(pk=sale.pk).update(payment_deadline=db_now() - timedelta(minutes=1))
    payment_services.sales_mark_overdue()
    base = live_server.url

    # Staff cancel the overdue sale in admin: below the reserve, that only asks the seller.
    staff = log_in(browser, base, StaffFactory())
    staff.goto(base + "/admin/payments/sale/")
    staff.locator(f"input[name=_selected_action][value='{sale.pk}']").check()
    staff.locator("select[name=action]").select_option("cancel_and_offer_second_chance")
    staff.get_by_role("button", name="Go").click()
    staff.get_by_label("Reason (required)").fill("No payment after two reminders")
    staff.get_by_role("button", name="Cancel overdue sale and offer a second chance").click()
    staff.get_by_text("the seller has been asked first").wait_for()
    staff.screenshot(path=str(e2e_dir / "decisions-03-staff-cancelled.png"), full_page=True)

    # The runner-up sees nothing yet.
    dealer = log_in(browser, base, runner_up, viewport=(390, 844))
    dealer.goto(base + "/sales/")
    assert dealer.locator(".second-chance").count() == 0

    # The seller consents on the sale page.
    seller = log_in(browser, base, sale.seller)
    seller.locator("[data-seller-decisions]").get_by_role("link", name="decide on the sale page").click()
    box = seller.locator("[data-seller-decision]")
    box.get_by_text("Your decision: sell below your reserve?").wait_for()
    assert "€11,000.00" in box.inner_text() and "€12,000.00" in box.inner_text()
    seller.screenshot(path=str(e2e_dir / "decisions-04-seller-asked-second-chance.png"), full_page=True)
    seller.once("dialog", lambda dialog: dialog.accept())
    box.get_by_role("button", name="Accept €11,000.00").click()
    seller.get_by_text("we offered your car to the next bidder for €11,000.00").wait_for()
    assert seller.locator("[data-seller-decision]").count() == 0

    # Now the runner-up has the offer, and buys the car.
    dealer.reload()
    offer = dealer.locator(".second-chance")
    assert "for your last bid, €11,000.00" in offer.inner_text()
    dealer.screenshot(path=str(e2e_dir / "decisions-05-runner-up-offer.png"), full_page=True)
    offer.get_by_role("button", name="Buy it").click()
    dealer.get_by_text("The car is yours at your last bid. Here is your invoice.").wait_for()
    dealer.get_by_role("button", name="Pay €11,299.00 by card").wait_for()
    dealer.screenshot(path=str(e2e_dir / "decisions-06-runner-up-invoice.png"), full_page=True)

    new_sale = Sale.objects.get(second_chance_of=sale)
    assert (new_sale.buyer, new_sale.hammer_price_minor, new_sale.status) == (runner_up, 11_000_00, "awaiting_payment")
    assert SecondChanceOffer.objects.get(sale=sale).status == SecondChanceOffer.Status.ACCEPTED
    consent = SellerConsent.objects.get(auction=auction, source=SellerConsent.Source.SECOND_CHANCE)
    assert (consent.status, consent.decided_by_id, consent.amount_minor) == ("accepted", sale.seller_id, 11_000_00)
