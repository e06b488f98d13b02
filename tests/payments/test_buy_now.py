"""Buy now: staff offer an unsold car at a price, the seller agrees (their consent to that price), and the first
verified dealer to confirm buys it — one sale, through the one gate, however many confirm at once."""

import pytest
from django.urls import reverse

from auctions.models import Auction, SellerConsent
from core.exceptions import PermissionRefused
from marketplace.models import Listing
from payments import services
from payments.models import BuyNowOffer, Sale
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.payments.factories import close_now
from tests.promises.conftest import simultaneously


def unsold_car():
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    close_now(auction.pk)  # nobody bid
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.NO_BIDS
    return auction


def open_offer(auction, price_minor=11_000_00) -> BuyNowOffer:
    offer = services.buy_now_propose(listing=auction.listing, actor=StaffFactory(), price_minor=price_minor)
    services.buy_now_seller_answer(offer_id=offer.pk, seller=auction.listing.seller, agree=True)
    offer.refresh_from_db()
    return offer


@pytest.mark.django_db
def test_the_seller_agrees_first_and_a_dealer_buys_below_the_reserve_with_that_consent():
    auction = unsold_car()
    offer = services.buy_now_propose(listing=auction.listing, actor=StaffFactory(), price_minor=11_000_00)
    dealer = DealerFactory(verified=True)
    with pytest.raises(services.BuyNowClosed):  # not open before the seller agrees
        services.buy_now_buy(offer_id=offer.pk, dealer=dealer)
    with pytest.raises(PermissionRefused):
        services.buy_now_seller_answer(offer_id=offer.pk, seller=dealer, agree=True)
    services.buy_now_seller_answer(offer_id=offer.pk, seller=auction.listing.seller, agree=True)

    sale = services.buy_now_buy(offer_id=offer.pk, dealer=dealer)
    assert (sale.buyer_id, sale.hammer_price_minor, sale.auction_id) == (dealer.pk, 11_000_00, auction.pk)
    consent = SellerConsent.objects.get(auction=auction, source=SellerConsent.Source.BUY_NOW)
    assert (consent.status, consent.dealer_id, consent.decided_by_id) == ("accepted", dealer.pk,
                                                                          auction.listing.seller_id)
    offer.refresh_from_db()
    assert (offer.status, offer.buyer_id, offer.sale_id) == ("sold", dealer.pk, sale.pk)
    assert Listing.objects.get(pk=auction.listing_id).status == Listing.Status.SOLD


@pytest.mark.django_db
def test_a_declined_offer_never_opens_and_an_unverified_dealer_cannot_buy(client_for):
    auction = unsold_car()
    offer = services.buy_now_propose(listing=auction.listing, actor=StaffFactory(), price_minor=11_000_00)
    services.buy_now_seller_answer(offer_id=offer.pk, seller=auction.listing.seller, agree=False)
    with pytest.raises(services.BuyNowClosed):
        services.buy_now_buy(offer_id=offer.pk, dealer=DealerFactory(verified=True))
    offer = open_offer(auction)
    with pytest.raises(services.BuyerCannotBuy):
        services.buy_now_buy(offer_id=offer.pk, dealer=DealerFactory())
    assert not Sale.objects.exists()
    page = client_for(DealerFactory(verified=True)).get(reverse("payments:list")).content.decode()
    assert "Buy for €11,000" in page and "€12,000" not in page  # never the reserve


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dealers_confirming_at_the_same_moment_make_one_sale():
    auction = unsold_car()
    offer = open_offer(auction)
    dealers = [DealerFactory(verified=True) for _ in range(4)]

    def buy(dealer):
        def run():
            try:
                return services.buy_now_buy(offer_id=offer.pk, dealer=dealer).buyer_id
            except services.BuyNowClosed:
                return None
        return run

    results = simultaneously([buy(dealer) for dealer in dealers])
    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    sale = Sale.objects.get(auction=auction)
    assert sale.buyer_id == winners[0] and sale.hammer_price_minor == 11_000_00
    assert SellerConsent.objects.filter(auction=auction, source="buy_now").count() == 1
    offer.refresh_from_db()
    assert offer.status == BuyNowOffer.Status.SOLD and offer.buyer_id == winners[0]


@pytest.mark.django_db
def test_staff_offer_an_unsold_car_in_admin_and_the_seller_agrees_on_the_cars_page(client_for):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    def admin_action(client, changelist, action, objects, **data):
        return client.post(changelist, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects],
                                        "apply": "1", **data}, format="multipart", follow=True)

    auction = unsold_car()
    staff = client_for(StaffFactory())
    changelist = reverse("admin:payments_unsoldlisting_changelist")
    assert auction.listing.vin in staff.get(changelist).content.decode()
    refused = admin_action(staff, changelist, "offer_buy_now", [auction.listing], price="lots")
    assert "An amount like 12399.00" in refused.content.decode() and not BuyNowOffer.objects.exists()
    done = admin_action(staff, changelist, "offer_buy_now", [auction.listing], price="11500.00")
    assert "Offer for buy now: 1 done." in done.content.decode()
    offer = BuyNowOffer.objects.get()
    assert offer.price_minor == 11_500_00 and offer.status == BuyNowOffer.Status.AWAITING_SELLER

    seller = client_for(auction.listing.seller)
    page = seller.get(reverse("marketplace:detail", args=[auction.listing_id])).content.decode()
    assert "Sell it now for €11,500?" in page
    agreed = seller.post(reverse("payments:buy_now_answer", args=[offer.pk]), {"agree": "1"}, format="multipart",
                         follow=True).content.decode()
    assert "verified dealers can buy your car at that price now" in agreed and "data-buy-now-open" in agreed


@pytest.mark.django_db
def test_dealers_who_watched_or_bid_hear_once_when_the_car_opens_for_buy_now(django_capture_on_commit_callbacks):
    from django.core import mail

    from auctions import services as auction_services
    from core.models import Notification

    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    bidder, watcher, suspended, stranger = (DealerFactory(verified=True), DealerFactory(verified=True),
                                            DealerFactory(verified=True), DealerFactory(verified=True))
    auction_services.bid_place(auction_id=auction.pk, dealer=bidder, amount_minor=10_000_00)
    auction_services.watch_add(auction=auction, dealer=watcher)
    auction_services.watch_add(auction=auction, dealer=bidder)  # watched and bid: told once all the same
    auction_services.watch_add(auction=auction, dealer=suspended)
    suspended.dealer_profile.status = "suspended"
    suspended.dealer_profile.save(update_fields=["status"])
    close_now(auction.pk)
    auction_services.auction_decide(auction_id=auction.pk, seller=auction.listing.seller, accept=False)
    offer = services.buy_now_propose(listing=auction.listing, actor=StaffFactory(), price_minor=11_000_00)
    assert not Notification.objects.filter(kind="buy_now_open").exists()  # not before the seller agrees
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.buy_now_seller_answer(offer_id=offer.pk, seller=auction.listing.seller, agree=True)

    told = Notification.objects.filter(kind="buy_now_open").order_by("user_id")
    assert [n.user_id for n in told] == sorted([bidder.pk, watcher.pk])
    car = auction.listing.display_title
    assert {n.title for n in told} == {f"Buy now: the {car} for €11,000"}
    assert told[0].url == reverse("payments:list") + "#buy-now-heading"
    assert "for €11,000 plus the buyer fee for 24 hours" in told[0].body
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bidder.email, watcher.email])
    assert all(m.subject == f"Buy now: the {car} for €11,000" for m in mail.outbox)
    assert services.buy_now_buy(offer_id=offer.pk, dealer=watcher).buyer_id == watcher.pk
    assert not Notification.objects.filter(user__in=[suspended, stranger], kind="buy_now_open").exists()
