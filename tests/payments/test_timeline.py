"""The seller's timeline: the car from draft to payout, each step with its time, the current one with the same
words as the seller's status everywhere else (the listing page, My cars, the sale page)."""

from django.urls import reverse

from auctions.models import Auction
from inspections import services as inspection_services
from payments.selectors import seller_car_status
from payments.timeline import seller_car_timeline
from tests.accounts.factories import StaffFactory
from tests.auctions.factories import make_auction
from tests.inspections.factories import published_inspection, submitted_listing
from tests.marketplace.factories import ListingFactory
from tests.payments.factories import close_now, hand_over, pay_by_card


def states(timeline):
    return {step.key: step.state for step in timeline}


def test_a_draft_is_the_first_step_and_everything_else_lies_ahead(seller):
    listing = ListingFactory(seller=seller)
    timeline = seller_car_timeline(listing=listing)
    assert [step.key for step in timeline] == ["draft", "submitted", "inspection_booked", "inspected", "approved",
                                               "auction", "result", "paid", "handover", "payout"]
    assert states(timeline)["draft"] == "current"
    assert all(step.state == "ahead" for step in timeline[1:])
    assert timeline[0].status.text == seller_car_status(listing=listing).text


def test_an_inspected_car_shows_the_booking_the_grade_and_a_link_to_the_report_on_its_page(db, client_for):
    inspection, report = published_inspection()
    listing = inspection.listing
    inspection_services.inspection_listing_approve(inspection=inspection, actor=StaffFactory())
    listing.refresh_from_db()
    steps = {step.key: step for step in seller_car_timeline(listing=listing)}
    assert [steps[key].state for key in ("submitted", "inspection_booked", "inspected")] == ["done"] * 3
    assert steps["approved"].state == "current" and steps["approved"].at is not None
    assert "Invalidenstraße 1, Berlin" in steps["inspection_booked"].detail
    assert steps["inspected"].detail == f"Grade {report.grade} (score {report.score} of 100)."

    page = client_for(listing.seller).get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert 'data-step="approved" data-step-state="current" aria-current="step"' in page
    assert reverse("inspection_report", args=[listing.pk]) in page
    assert seller_car_status(listing=listing).text in page


def test_a_live_auction_shows_its_price_on_the_auction_step(dealer):
    from auctions import services as auction_services

    auction = make_auction(starting_price_minor=9_000_00)
    auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=9_000_00)
    steps = {step.key: step for step in seller_car_timeline(listing=auction.listing)}
    assert steps["auction"].state == "current" and steps["auction"].title == "Auction live"
    assert "the price is €9,000" in steps["auction"].detail


def test_a_car_without_bids_ends_at_the_result(db):
    auction = make_auction()
    close_now(auction.pk)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.NO_BIDS
    timeline = seller_car_timeline(listing=auction.listing)
    assert timeline[-1].key == "result" and timeline[-1].state == "current"
    assert timeline[-1].detail == "No bids."


def test_a_sold_car_walks_to_the_payout_and_the_dashboard_says_the_same(make_sale, client_for,
                                                                         django_capture_on_commit_callbacks):
    sale = make_sale(hammer_minor=12_500_00)
    assert states(seller_car_timeline(listing=sale.listing))["paid"] == "current"
    pay_by_card(sale, capture=django_capture_on_commit_callbacks)
    sale.refresh_from_db()
    assert states(seller_car_timeline(listing=sale.listing))["handover"] == "current"
    sale = hand_over(sale, django_capture_on_commit_callbacks)

    timeline = seller_car_timeline(listing=sale.listing)
    assert all(step.state == "done" for step in timeline[:-1]) and timeline[-1].state == "current"
    assert timeline[-1].at == sale.paid_out_at and sale.payout_reference in timeline[-1].detail
    status_text = seller_car_status(listing=sale.listing).text
    assert timeline[-1].status.text == status_text
    client = client_for(sale.seller)
    for url in (reverse("marketplace:detail", args=[sale.listing_id]), reverse("accounts:dashboard"),
                reverse("marketplace:list")):
        assert status_text in client.get(url).content.decode(), url


def test_a_withdrawn_car_stops_where_it_left(seller):
    listing = submitted_listing(seller=seller)
    inspection_services.listing_withdraw_and_cancel_inspection(listing=listing, actor=seller)
    listing.refresh_from_db()
    timeline = seller_car_timeline(listing=listing)
    assert [(step.key, step.state) for step in timeline] == [("draft", "done"), ("submitted", "done"),
                                                             ("withdrawn", "current")]
    assert timeline[-1].at is not None and timeline[-1].status.text == "Withdrawn by you."
