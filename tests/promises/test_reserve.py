"""Promise 1: nobody buys below the reserve without the seller's explicit yes."""

from datetime import timedelta

import pytest

from core.clock import db_now
from payments import services as payment_services
from payments.models import Sale
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.payments.factories import set_sale_times
from tests.promises.conftest import admin_action, api, end_and_close

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _bid(dealer, auction, **amount):
    response = api(dealer).post(f"/api/v1/auctions/{auction.pk}/bids/", amount, format="json")
    assert response.status_code == 201, response.json()
    return response


def overdue_sale_with_runner_up_below_reserve():
    """Reserve €12,000. The runner-up bid €11,000; the winner €12,500 and never pays."""
    runner_up, winner = DealerFactory(verified=True), DealerFactory(verified=True)
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    _bid(runner_up, auction, amount_minor=11_000_00)
    _bid(winner, auction, amount_minor=12_500_00)
    end_and_close(auction)
    sale = Sale.objects.get(auction=auction)
    set_sale_times(sale, payment_deadline=db_now() - timedelta(minutes=1))
    payment_services.sales_mark_overdue()
    sale.refresh_from_db()
    assert sale.status == Sale.Status.OVERDUE
    return sale, runner_up


def test_a_second_chance_below_the_reserve_reaches_the_dealer_only_after_the_seller_says_yes(client):
    sale, runner_up = overdue_sale_with_runner_up_below_reserve()
    client.force_login(StaffFactory())
    admin_action(client, "/admin/payments/sale/", "cancel_and_offer_second_chance", [sale], reason="Unpaid")

    offers = api(runner_up).get("/api/v1/second-chance-offers/").json()["results"]
    assert offers == [], "the dealer must not be offered the car below the reserve before the seller agrees"
    assert not Sale.objects.filter(buyer=runner_up).exists()
