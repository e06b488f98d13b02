"""After a close below the reserve the seller may counter with their own price; the top bidder accepts (sold at
that price, through the one gate that makes sales, the seller's price recorded as their consent) or declines."""

from datetime import timedelta

import pytest
from django.urls import reverse

from auctions import services as auction_services
from auctions.models import Auction, CounterOffer, SellerConsent
from core.clock import db_now
from core.exceptions import PermissionRefused, ValidationFailed
from marketplace.models import Listing
from payments import services
from payments.models import Sale
from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction
from tests.payments.factories import close_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def below_reserve(db):
    """Closed with Dealer 2 on top (their maximum €11,500, the price just above Dealer 1's €10,500) against a
    reserve of €12,000."""
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    first, top = DealerFactory(verified=True), DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=10_500_00)
    auction_services.bid_place(auction_id=auction.pk, dealer=top, max_amount_minor=11_500_00)
    close_now(auction.pk)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.AWAITING_SELLER and auction.leader_id == top.pk
    return auction, first, top


def test_an_accepted_counter_offer_sells_at_the_sellers_price_with_their_consent(below_reserve,
                                                                                 django_capture_on_commit_callbacks):
    auction, _, top = below_reserve
    seller = auction.listing.seller
    counter = auction_services.counter_offer_make(auction_id=auction.pk, seller=seller, amount_minor=11_800_00)
    assert counter.expires_at > db_now() + timedelta(hours=23)
    assert SellerConsent.objects.get(auction=auction, source="close").status == SellerConsent.Status.DECLINED
    from payments.selectors import seller_car_status
    assert "You offered the car to the top bidder for €11,800" in seller_car_status(listing=auction.listing).text

    with django_capture_on_commit_callbacks(execute=True):
        services.counter_offer_answer_and_settle(auction_id=auction.pk, dealer=top, accept=True)
    auction.refresh_from_db()
    sale = Sale.objects.get(auction=auction)
    assert (auction.outcome, auction.winner_id, auction.hammer_price_minor) == ("sold", top.pk, 11_800_00)
    assert (sale.buyer_id, sale.hammer_price_minor) == (top.pk, 11_800_00)
    consent = SellerConsent.objects.get(auction=auction, source=SellerConsent.Source.COUNTER)
    assert (consent.status, consent.decided_by_id, consent.amount_minor) == ("accepted", seller.pk, 11_800_00)
    assert CounterOffer.objects.get().status == CounterOffer.Status.ACCEPTED
    assert Listing.objects.get(pk=auction.listing_id).status == Listing.Status.SOLD


def test_a_counter_offer_must_exceed_the_top_bid_and_only_the_seller_makes_it(below_reserve):
    auction, first, _ = below_reserve
    with pytest.raises(ValidationFailed) as refused:
        auction_services.counter_offer_make(auction_id=auction.pk, seller=auction.listing.seller,
                                            amount_minor=auction.price_minor)
    assert f"more than the top bid of €{auction.price_minor // 100:,}" in refused.value.fields["amount"][0]
    with pytest.raises(PermissionRefused):
        auction_services.counter_offer_make(auction_id=auction.pk, seller=first, amount_minor=11_900_00)
    assert not CounterOffer.objects.exists()


def test_a_declined_counter_offer_leaves_the_car_unsold_and_the_seller_cannot_decide_meanwhile(below_reserve):
    auction, first, top = below_reserve
    seller = auction.listing.seller
    auction_services.counter_offer_make(auction_id=auction.pk, seller=seller, amount_minor=11_900_00)
    with pytest.raises(auction_services.CounterOfferPending):
        services.auction_decision_settle(auction_id=auction.pk, seller=seller, accept=True)
    with pytest.raises(PermissionRefused):
        services.counter_offer_answer_and_settle(auction_id=auction.pk, dealer=first, accept=True)
    services.counter_offer_answer_and_settle(auction_id=auction.pk, dealer=top, accept=False)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.UNSOLD and not Sale.objects.exists()
    assert CounterOffer.objects.get().status == CounterOffer.Status.DECLINED
    assert Listing.objects.get(pk=auction.listing_id).status == Listing.Status.UNSOLD


def test_an_unanswered_counter_offer_expires_with_the_decision_sweep(below_reserve):
    auction, _, top = below_reserve
    auction_services.counter_offer_make(auction_id=auction.pk, seller=auction.listing.seller,
                                        amount_minor=11_900_00)
    past = db_now() - timedelta(seconds=1)
    CounterOffer.objects.update(expires_at=past)
    Auction.objects.filter(pk=auction.pk).update(decision_deadline=past)
    assert auction_services.auction_decisions_expire() == 1
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.UNSOLD
    assert CounterOffer.objects.get().status == CounterOffer.Status.EXPIRED
    with pytest.raises(auction_services.NoDecisionPending):
        services.counter_offer_answer_and_settle(auction_id=auction.pk, dealer=top, accept=True)
    assert not Sale.objects.exists()


def test_the_seller_sees_every_bidders_maximum_as_aliases_and_dealers_never_do(below_reserve, client_for):
    auction, first, top = below_reserve
    url = reverse("auctions:detail", args=[auction.pk])
    seller_page = client_for(auction.listing.seller).get(url).content.decode()
    assert "What each bidder offered at most" in seller_page
    assert "Dealer 2</span><span class=\"bid-amount\">€11,500" in seller_page
    assert "Dealer 1</span><span class=\"bid-amount\">€10,500" in seller_page
    assert top.email not in seller_page
    for dealer in (first, top):
        assert "data-bidder-maxima" not in client_for(dealer).get(url).content.decode()
    assert "€11,500" not in client_for(first).get(url).content.decode()


def test_the_counter_offer_pages_work_for_the_seller_and_the_top_bidder(below_reserve, client_for):
    auction, first, top = below_reserve
    seller = client_for(auction.listing.seller)
    bad = seller.post(reverse("auctions:counter_offer", args=[auction.pk]), {"amount": "abc"},
                      format="multipart", follow=True)
    assert "Enter your price as an amount" in bad.content.decode()
    sent = seller.post(reverse("auctions:counter_offer", args=[auction.pk]), {"amount": "11900"},
                       format="multipart", follow=True)
    assert "Your counter-offer is sent" in sent.content.decode()
    assert "The seller offers you the car for €11,900" in client_for(top).get(
        reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert "data-counter-offer" not in client_for(first).get(
        reverse("auctions:detail", args=[auction.pk])).content.decode()
    bought = client_for(top).post(reverse("auctions:counter_answer", args=[auction.pk]), {"accept": "1"},
                                  format="multipart", follow=True)
    assert "The car is yours at the seller&#x27;s price" in bought.content.decode()
    assert Sale.objects.get(auction=auction).hammer_price_minor == 11_900_00
