"""The dealer record where people decide: the seller on the auction result, before accepting a top bid below the
reserve, and on the sale's decision page; the dealer on their own dashboard with every event that counted; the
rules page with the published formula."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions import services as auction_services
from auctions.models import Auction
from insights.views import methods_html
from payments import services
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.payments.factories import close_now, set_sale_times

pytestmark = pytest.mark.django_db


def test_the_seller_sees_the_buyers_record_on_the_auction_result(make_sale, page_client):
    sale = make_sale()
    page = page_client(sale.seller).get(reverse("auctions:detail", args=[sale.auction_id]))
    text = page.content.decode()
    assert page.status_code == 200 and "data-dealer-record" in text
    assert "Record of the buying dealer" in text and "New dealer — fewer than 10 sales" in text
    assert reverse("insights:methods") + "#dealer-record" in text


def test_the_seller_sees_the_top_bidders_record_before_accepting_below_the_reserve(
        page_client, django_capture_on_commit_callbacks):
    dealer = DealerFactory(verified=True)
    auction = make_auction(starting_price_minor=9_000_00, reserve_minor=12_000_00)
    auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=10_000_00)
    with django_capture_on_commit_callbacks(execute=True):
        close_now(auction.pk)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.AWAITING_SELLER
    text = page_client(auction.listing.seller).get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert "below your reserve" in text and "Record of the top bidder" in text
    # A dealer looking at the same auction sees no record of anyone.
    other = page_client(DealerFactory(verified=True)).get(reverse("auctions:detail", args=[auction.pk]))
    assert "data-dealer-record" not in other.content.decode()


def test_the_dealer_sees_every_event_that_counted_on_their_dashboard(make_sale, page_client,
                                                                   django_capture_on_commit_callbacks):
    dealer = DealerFactory(verified=True)
    sale = make_sale(buyer=dealer)
    set_sale_times(sale, payment_deadline=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.sales_mark_overdue()
        services.sale_cancel_and_offer_second_chance(sale=sale, actor=StaffFactory(), reason="Not paid")
    text = page_client(dealer).get(reverse("auctions:dashboard")).content.decode()
    assert "Your dealer record" in text and "data-counted-events" in text
    assert f"S-{sale.pk}" in text and "Sale cancelled because it was not paid." in text and "−100" in text


def test_a_dealer_with_a_clean_record_is_told_nothing_counted(page_client):
    text = page_client(DealerFactory(verified=True)).get(reverse("auctions:dashboard")).content.decode()
    assert "Nothing has counted against you" in text


def test_the_rules_page_is_the_published_method_with_its_formula_and_anchors(client):
    page = client.get(reverse("insights:methods"))
    text = page.content.decode()
    assert page.status_code == 200 and text.count(methods_html()) == 1
    assert 'id="dealer-record"' in text and 'id="price-guidance"' in text and 'id="open-market-data"' in text
    assert "Score = 6,100 / 77" in text and "<table>" in text
    assert "<script" not in methods_html()
