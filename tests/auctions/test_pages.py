"""The dealer dashboard, the auction page (dealer and seller) and their forms, without JavaScript."""

import pytest
from django.core.cache import cache
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auctions import services
from auctions.models import Auction, Bid, Watch
from tests.accounts.factories import DealerFactory, SellerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction

pytestmark = pytest.mark.django_db


def test_the_dashboard_lists_live_auctions_with_the_dealers_state(auction, dealers, client_for):
    a, b = dealers(2)
    services.bid_place(auction_id=auction.pk, dealer=a, amount_minor=10_000_00)
    services.bid_place(auction_id=auction.pk, dealer=b, amount_minor=12_500_00)
    page = client_for(a).get(reverse("auctions:dashboard"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "2018 Volkswagen Golf" in html and "€12,500" in html and 'data-my-state="outbid"' in html
    assert "Reserve met" in html and 'data-ends-at="' in html and "js/countdown.js" in html
    mine = client_for(b).get(reverse("auctions:dashboard"), {"tab": "my_bids"}).content.decode()
    assert 'data-my-state="leading"' in mine


def test_the_dashboard_is_for_dealers_and_staff(auction, client_for):
    assert client_for(SellerFactory()).get(reverse("auctions:dashboard")).status_code == 403
    assert client_for(StaffFactory()).get(reverse("auctions:dashboard")).status_code == 200


def test_the_dashboard_filters_and_costs_constant_queries(dealer, client_for):
    from django.db import connection

    seller, staff = SellerFactory(), StaffFactory()
    for _ in range(3):
        make_auction(seller=seller, staff=staff, make="Skoda")
    client = client_for(dealer)
    with CaptureQueriesContext(connection) as three:
        client.get(reverse("auctions:dashboard"))
    for _ in range(20):
        make_auction(seller=seller, staff=staff, make="Skoda")
    cache.delete("auctions:makes")  # the list of makes is cached for a minute; compare two cold pages
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("auctions:dashboard"))
    assert len(many.captured_queries) == len(three.captured_queries)
    assert "Page 1 of 2" in page.content.decode()
    filtered = client.get(reverse("auctions:dashboard"), {"make": "BMW"}).content.decode()
    assert "No auctions match" in filtered


@pytest.mark.parametrize("sort", ["ending_soonest", "newest", "price_asc", "price_desc"])
def test_pages_fetched_ids_first_hold_exactly_the_rows_of_a_plain_slice_in_order(dealer, sort):
    from auctions import selectors

    seller, staff = SellerFactory(), StaffFactory()
    auctions = [make_auction(seller=seller, staff=staff, make="Skoda", starting_price_minor=(5 + n % 3) * 1000_00)
                for n in range(7)]
    services.bid_place(auction_id=auctions[2].pk, dealer=dealer, amount_minor=9_000_00)
    qs = selectors.auction_list_filtered(user=dealer, filters={"sort": sort})
    paged = selectors.IdsFirst(qs)
    assert paged.count() == 7
    for start in range(0, 7, 3):
        assert [a.pk for a in paged[start:start + 3]] == [a.pk for a in qs[start:start + 3]]
    assert paged[2].pk == qs[2].pk


def test_a_dealer_bids_now_and_sets_a_maximum_through_the_page(auction, dealers, client_for):
    a, b = dealers(2)
    client = client_for(a)
    page = client.get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert "Bid €10,000 now" in page and "How bidding works" in page
    response = client.post(
        reverse("auctions:bid", args=[auction.pk]), {"amount_minor": "1000000"}, format="multipart", follow=True
    )
    assert "You are the highest bidder" in response.content.decode()
    client_for(b).post(reverse("auctions:bid", args=[auction.pk]), {"max_amount": "15000"}, format="multipart")
    auction.refresh_from_db()
    assert auction.leader_id == b.pk and auction.price_minor == 10_100_00
    page = client.get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert 'data-my-state="outbid"' in page and "Bid €10,200 now" in page
    assert "Dealer 2" in page and b.email not in page
    late = client.post(
        reverse("auctions:bid", args=[auction.pk]), {"amount_minor": "1"}, format="multipart", follow=True
    )
    assert "The lowest bid now is" in late.content.decode()
    client.post(reverse("auctions:watch", args=[auction.pk]), {"watch": "1"}, format="multipart")
    assert Watch.objects.filter(dealer=a, auction=auction).exists()
    client.post(
        reverse("auctions:watch", args=[auction.pk]), {"watch": "0", "next": "//evil.test/"}, format="multipart"
    )
    assert not Watch.objects.filter(dealer=a, auction=auction).exists()


def test_an_unverified_dealer_sees_the_page_without_a_bid_box(auction, client_for):
    page = client_for(DealerFactory()).get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert "only verified dealers can bid" in page and "Bid €" not in page


def test_other_sellers_and_inspectors_get_404(auction, client_for, inspector):
    for user in (SellerFactory(), inspector):
        assert client_for(user).get(reverse("auctions:detail", args=[auction.pk])).status_code == 404


def test_the_seller_sees_every_bid_and_decides_below_the_reserve(auction, dealer, client_for):
    seller = auction.listing.seller
    services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=11_000_00)
    page = client_for(seller).get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert "€11,000" in page and "€12,000" in page and "(private)" in page and dealer.email not in page
    assert "Dealer 1" in page
    listing_page = client_for(seller).get(reverse("marketplace:detail", args=[auction.listing.pk])).content.decode()
    assert reverse("auctions:detail", args=[auction.pk]) in listing_page
    move_end(auction, seconds_from_now=-1)
    services.auction_close(auction_id=auction.pk)
    page = client_for(seller).get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert "Accept €11,000" in page and "Decline" in page
    client_for(seller).post(reverse("auctions:decision", args=[auction.pk]), {"accept": "1"}, format="multipart")
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.SOLD
    page = client_for(seller).get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert dealer.dealer_profile.company_name in page


def test_the_dealer_dashboard_links_to_the_auctions(client_for, dealer):
    html = client_for(dealer).get(reverse("accounts:dashboard")).content.decode()
    assert html.count(reverse("auctions:dashboard")) >= 2


def test_bids_count_and_history_match(auction, dealers):
    a, b = dealers(2)
    services.bid_place(auction_id=auction.pk, dealer=a, max_amount_minor=13_000_00)
    services.bid_place(auction_id=auction.pk, dealer=b, amount_minor=12_000_00)
    auction.refresh_from_db()
    assert auction.bid_count == Bid.objects.filter(auction=auction, is_visible=True).count() == 3


def test_the_first_screen_says_what_the_dealer_buys_and_for_how_much(dealers, client_for):
    from inspections import services as inspection_services
    from tests.inspections.factories import jpeg_upload, ready_inspection

    inspection = ready_inspection()
    inspection_services.inspection_damage_add(inspection=inspection, actor=inspection.inspector, panel="bonnet",
                                              type="scratch", severity="minor", note="10 cm, paint only",
                                              upload=jpeg_upload((200, 10, 10)))
    report = inspection_services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    staff = StaffFactory()
    inspection_services.inspection_listing_approve(inspection=inspection, actor=staff)
    auction = make_auction(listing=inspection.listing, staff=staff)
    a, b = dealers(2)
    services.bid_place(auction_id=auction.pk, dealer=b, amount_minor=10_000_00)
    for n in range(9):  # more than the seven the page used to show
        services.bid_place(auction_id=auction.pk, dealer=[a, b][n % 2], amount_minor=10_100_00 + n * 100_00)

    page = client_for(a).get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert f'data-grade="{report.grade}"' in page and f"score {report.score}/100" in page
    assert "Scratch</strong> on bonnet — 10 cm, paint only" in page and "data-lightbox" in page
    assert page.count('class="bid-label"') == 10
    # The next bid is €11,000; its buyer fee is the €299 band of the published schedule.
    assert "Bid €11,000 now" in page and "All in with the buyer fee: <strong data-all-in-amount" in page
    assert "€11,299</strong>" in page
    assert "data-ends-local" in page and auction.listing.seller.email not in page
    state = client_for(a).get(reverse("api:auction-detail", args=[auction.pk])).json()
    assert state["all_in_next_bid_minor"] == 11_299_00


def test_a_leading_bid_is_told_what_happens_next_and_the_winner_finds_the_sale(auction, dealers, client_for,
                                                                              django_capture_on_commit_callbacks):
    from payments import services as payment_services
    from payments.models import Sale

    (a,) = dealers(1)
    client = client_for(a)
    response = client.post(reverse("auctions:bid", args=[auction.pk]), {"amount_minor": "1200000"},
                           format="multipart", follow=True)
    assert "the car is yours: you get the invoice at once" in response.content.decode()
    move_end(auction, seconds_from_now=-1)
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.auction_close_and_settle(auction_id=auction.pk)
    sale = Sale.objects.get(auction=auction)
    page = client.get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert reverse("payments:detail", args=[sale.pk]) in page and "data-sale-link" in page
    seller_page = client_for(auction.listing.seller).get(reverse("auctions:detail", args=[auction.pk])).content
    assert reverse("payments:detail", args=[sale.pk]).encode() in seller_page
