"""Promise 1: nobody buys below the reserve without the seller's explicit yes.

Every path that creates or changes a sale price — the close, the seller's decision, a second-chance offer, a
relist, admin actions, the API — is either at or above the reserve or carries the seller's recorded consent for
exactly that price and buyer: a decision with its own deadline, answered by the seller alone.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from auctions.models import Auction, SellerConsent
from core.clock import db_now
from core.models import Notification
from marketplace.models import Listing
from payments import services as payment_services
from payments.models import Sale, SecondChanceOffer
from payments.tasks import second_chance_consents_expire_task
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.promises.conftest import admin_action, bid, end_and_close, make_overdue, token_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SALES = "/admin/payments/sale/"


def overdue_sale(*, runner_up_minor=11_000_00, reserve_minor=12_000_00, more=()):
    """Reserve €12,000. Each of `more` (dealer, amount) bids, then the runner-up, then the winner €12,500, who
    never pays."""
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=reserve_minor)
    for dealer, amount in more:
        bid(dealer, auction, amount_minor=amount)
    runner_up, winner = DealerFactory(verified=True), DealerFactory(verified=True)
    bid(runner_up, auction, amount_minor=runner_up_minor)
    bid(winner, auction, amount_minor=12_500_00)
    end_and_close(auction)
    return make_overdue(Sale.objects.get(auction=auction)), runner_up


def cancel_in_admin(client, sale):
    client.force_login(StaffFactory())
    return admin_action(client, SALES, "cancel_and_offer_second_chance", [sale], reason="Unpaid after reminders")


# Second chances ---------------------------------------------------------------------------------------------------

def test_a_second_chance_below_the_reserve_reaches_the_dealer_only_after_the_seller_says_yes(client):
    sale, runner_up = overdue_sale()
    seller = token_client(sale.seller)

    page = cancel_in_admin(client, sale).content.decode()
    assert "below the reserve: the seller has been asked first" in page

    assert token_client(runner_up).get("/api/v1/second-chance-offers/").json()["results"] == [], \
        "the dealer must not be offered the car below the reserve before the seller agrees"
    waiting = SecondChanceOffer.objects.get(sale=sale)
    assert token_client(runner_up).post(f"/api/v1/second-chance-offers/{waiting.pk}/", {"decision": "accept"},
                               format="json").status_code == 404
    assert not Notification.objects.filter(user=runner_up, kind="second_chance_offer").exists()

    [decision] = seller.get("/api/v1/seller-decisions/").json()["results"]
    assert (decision["source"], decision["status"], decision["amount_minor"], decision["reserve_minor"],
            decision["sale_id"]) == ("second_chance", "pending", 11_000_00, 12_000_00, sale.pk)
    assert decision["seller_receives_minor"] == 11_000_00
    assert seller.get(f"/api/v1/sales/{sale.pk}/").json()["seller_decision"]["id"] == decision["id"]
    told = Notification.objects.get(user=sale.seller, kind="seller_consent_needed")
    assert "€11,000.00" in told.title and "below your reserve of €12,000.00" in told.body
    assert told.url == f"/sales/{sale.pk}/"

    answer = seller.post(f"/api/v1/seller-decisions/{decision['id']}/", {"accept": True}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"

    [offer] = token_client(runner_up).get("/api/v1/second-chance-offers/").json()["results"]
    assert (offer["amount_minor"], offer["status"]) == (11_000_00, "pending")
    accepted = token_client(runner_up).post(f"/api/v1/second-chance-offers/{offer['id']}/", {"decision": "accept"},
                                   format="json")
    new_sale = Sale.objects.get(pk=accepted.json()["new_sale_id"])
    assert (new_sale.buyer, new_sale.hammer_price_minor, new_sale.second_chance_of) == (runner_up, 11_000_00, sale)
    consent = SellerConsent.objects.get(pk=decision["id"])
    assert (consent.status, consent.decided_by, consent.dealer, consent.amount_minor) == (
        "accepted", sale.seller, runner_up, 11_000_00)


def test_the_seller_declining_ends_the_second_chances_and_the_car_can_be_sold_again(client):
    third = DealerFactory(verified=True)
    sale, runner_up = overdue_sale(more=[(third, 10_000_00)])
    cancel_in_admin(client, sale)

    client.force_login(sale.seller)
    page = client.get(f"/sales/{sale.pk}/").content.decode()
    assert "Your decision: sell below your reserve?" in page and "Accept €11,000.00" in page
    assert "Waiting for your decision" in client.get("/accounts/dashboard/").content.decode()
    done = client.post(f"/sales/{sale.pk}/decision/", {"accept": "0"}, follow=True).content.decode()
    assert "your car is not sold at that price and can be offered again" in done

    assert not Sale.objects.filter(buyer__in=[runner_up, third]).exists()
    assert SecondChanceOffer.objects.get(sale=sale).status == SecondChanceOffer.Status.SELLER_DECLINED
    assert not SecondChanceOffer.objects.filter(dealer=third).exists(), "lower bids are not asked about again"
    listing = Listing.objects.get(pk=sale.listing_id)
    assert listing.status == Listing.Status.UNSOLD
    assert Notification.objects.filter(user=sale.seller, kind="sale_fell_through").count() == 1

    # A car can always be sold again, and its reserve is always the seller's.
    client.force_login(StaffFactory())
    admin_action(client, "/admin/marketplace/listing/", "relist_listings", [listing], reason="Seller agrees")
    listing.refresh_from_db()
    assert listing.status == Listing.Status.APPROVED
    client.post("/admin/auctions/approvedlisting/", {
        "action": "schedule_auction", "_selected_action": [listing.pk], "apply": "1", "duration_minutes": "20",
        "starts_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "starting_price": "9000",
        "reserve_minor": "100", "reserve": "1"})
    again = Auction.objects.get(listing=listing, status=Auction.Status.LIVE)
    assert again.reserve_minor == listing.reserve_minor == 12_000_00


def test_without_an_answer_by_the_deadline_it_counts_as_a_no(client):
    sale, runner_up = overdue_sale()
    cancel_in_admin(client, sale)
    consent = SellerConsent.objects.get(auction=sale.auction, status="pending")
    assert consent.deadline - consent.created_at == timedelta(hours=24)
    SellerConsent.objects.filter(pk=consent.pk).update(deadline=db_now() - timedelta(seconds=1))

    late = token_client(sale.seller).post(f"/api/v1/seller-decisions/{consent.pk}/", {"accept": True}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "decision_expired"
    assert second_chance_consents_expire_task.apply().get() == 1
    assert second_chance_consents_expire_task.apply().get() == 0

    consent.refresh_from_db()
    assert consent.status == SellerConsent.Status.EXPIRED and consent.decided_by is None
    assert not Sale.objects.filter(buyer=runner_up).exists()
    assert Listing.objects.get(pk=sale.listing_id).status == Listing.Status.UNSOLD


def test_at_or_above_the_reserve_the_next_bidder_is_offered_the_car_without_asking(client):
    sale, runner_up = overdue_sale(runner_up_minor=12_000_00)
    cancel_in_admin(client, sale)
    [offer] = token_client(runner_up).get("/api/v1/second-chance-offers/").json()["results"]
    assert offer["amount_minor"] == 12_000_00
    assert not SellerConsent.objects.filter(source="second_chance").exists()
    assert token_client(sale.seller).get("/api/v1/seller-decisions/").json()["results"] == []


def test_each_lower_second_chance_price_needs_its_own_yes(client):
    third = DealerFactory(verified=True)
    sale, runner_up = overdue_sale(more=[(third, 10_000_00)])
    cancel_in_admin(client, sale)
    seller = token_client(sale.seller)
    first = seller.get("/api/v1/seller-decisions/").json()["results"][0]
    seller.post(f"/api/v1/seller-decisions/{first['id']}/", {"accept": True}, format="json")
    [offer] = token_client(runner_up).get("/api/v1/second-chance-offers/").json()["results"]
    token_client(runner_up).post(f"/api/v1/second-chance-offers/{offer['id']}/", {"decision": "decline"}, format="json")

    assert token_client(third).get("/api/v1/second-chance-offers/").json()["results"] == []
    pending = [d for d in seller.get("/api/v1/seller-decisions/").json()["results"] if d["status"] == "pending"]
    assert [(d["amount_minor"], d["source"]) for d in pending] == [(10_000_00, "second_chance")], \
        "the seller's yes at 11,000 is no yes at 10,000"


# The close and the seller's decision ---------------------------------------------------------------------------

def test_accepting_an_under_reserve_top_bid_records_the_sellers_yes_for_that_price(client):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    leader = DealerFactory(verified=True)
    bid(leader, auction, amount_minor=11_500_00)
    end_and_close(auction)
    [decision] = token_client(auction.listing.seller).get("/api/v1/seller-decisions/").json()["results"]
    assert (decision["source"], decision["status"], decision["amount_minor"], decision["sale_id"]) == (
        "close", "pending", 11_500_00, None)
    assert decision["deadline"] == token_client(auction.listing.seller).get(
        f"/api/v1/auctions/{auction.pk}/").json()["decision_deadline"]

    answer = token_client(auction.listing.seller).post(f"/api/v1/auctions/{auction.pk}/decision/", {"accept": True},
                                              format="json")
    assert answer.status_code == 200
    sale = Sale.objects.get(auction=auction)
    assert (sale.buyer, sale.hammer_price_minor) == (leader, 11_500_00)
    consent = SellerConsent.objects.get(pk=decision["id"])
    assert (consent.status, consent.decided_by, consent.dealer, consent.amount_minor, consent.source) == (
        "accepted", auction.listing.seller, leader, 11_500_00, "close")


def test_the_seller_may_answer_the_close_through_the_decisions_api_too(client):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    bid(DealerFactory(verified=True), auction, amount_minor=11_500_00)
    end_and_close(auction)
    [decision] = token_client(auction.listing.seller).get("/api/v1/seller-decisions/").json()["results"]
    other_seller = token_client(DealerFactory(verified=True))
    assert other_seller.post(f"/api/v1/seller-decisions/{decision['id']}/", {"accept": True},
                             format="json").status_code == 404
    assert token_client(StaffFactory()).post(f"/api/v1/seller-decisions/{decision['id']}/", {"accept": True},
                                    format="json").status_code == 403, "staff see it but never answer for the seller"
    answer = token_client(auction.listing.seller).post(f"/api/v1/seller-decisions/{decision['id']}/", {"accept": False},
                                              format="json")
    assert answer.json()["status"] == "declined"
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.UNSOLD and not Sale.objects.filter(auction=auction).exists()


def test_a_decision_that_runs_out_declines_and_records_no_yes(client):
    from auctions.tasks import auction_decisions_expire_task

    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    bid(DealerFactory(verified=True), auction, amount_minor=11_500_00)
    end_and_close(auction)
    Auction.objects.filter(pk=auction.pk).update(decision_deadline=db_now() - timedelta(seconds=1))
    auction_decisions_expire_task.apply()
    consent = SellerConsent.objects.get(auction=auction)
    assert consent.status == SellerConsent.Status.EXPIRED and consent.decided_by is None
    assert not Sale.objects.filter(auction=auction).exists()


# The one gate ------------------------------------------------------------------------------------------------------

def test_the_one_place_sales_are_made_refuses_a_price_below_the_reserve_without_that_exact_yes(client):
    """Whatever path reaches it: a yes for another price, or for another dealer, is no yes."""
    from payments.services.sales import _sale_create

    sale, runner_up = overdue_sale()
    auction = sale.auction
    other = DealerFactory(verified=True)
    SellerConsent.objects.create(auction=auction, dealer=runner_up, amount_minor=11_500_00, reserve_minor=12_000_00,
                                 source="second_chance", status="accepted", deadline=db_now())
    SellerConsent.objects.create(auction=auction, dealer=other, amount_minor=11_000_00, reserve_minor=12_000_00,
                                 source="second_chance", status="declined", deadline=db_now())
    payment_services.sale_cancel_and_offer_second_chance(sale=sale, actor=StaffFactory(), reason="Unpaid")
    for buyer, price in ((runner_up, 11_000_00), (other, 11_500_00), (other, 11_000_00)):
        with pytest.raises(payment_services.BelowReserveWithoutConsent), transaction.atomic():
            _sale_create(auction=auction, buyer=buyer, hammer_price_minor=price, second_chance_of=sale)
    assert Sale.objects.filter(auction=auction).count() == 1


def test_staff_cannot_set_a_price_or_answer_for_the_seller_in_admin(client):
    sale, _ = overdue_sale()
    client.force_login(StaffFactory())
    client.post(f"/admin/payments/sale/{sale.pk}/change/", {"hammer_price_minor": "100", "status": "paid"})
    sale.refresh_from_db()
    assert (sale.hammer_price_minor, sale.status) == (12_500_00, Sale.Status.OVERDUE)

    cancel_in_admin(client, sale)
    consent = SellerConsent.objects.get(status="pending")
    assert client.get(f"/admin/auctions/sellerconsent/{consent.pk}/change/").status_code == 200  # to look at
    client.post(f"/admin/auctions/sellerconsent/{consent.pk}/change/", {"status": "accepted"})
    assert client.get("/admin/auctions/sellerconsent/add/").status_code == 403
    consent.refresh_from_db()
    assert consent.status == SellerConsent.Status.PENDING
    page = client.get("/admin/auctions/sellerconsent/").content.decode()
    assert "€11,000.00" in page and "€12,000.00" in page
