"""Promise 2: only a dealer allowed to buy can win or be offered a car."""

import pytest

from auctions.models import Auction
from payments.models import Sale
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.promises.conftest import admin_action, api, end_and_close

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROFILES = "/admin/accounts/dealerprofile/"


def test_a_dealer_suspended_while_leading_is_withdrawn_and_cannot_win(client):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    runner_up, leader = DealerFactory(verified=True), DealerFactory(verified=True)
    assert api(runner_up).post(f"/api/v1/auctions/{auction.pk}/bids/", {"max_amount_minor": 12_500_00},
                               format="json").status_code == 201
    assert api(leader).post(f"/api/v1/auctions/{auction.pk}/bids/", {"max_amount_minor": 14_000_00},
                            format="json").status_code == 201

    client.force_login(StaffFactory())
    admin_action(client, PROFILES, "suspend_dealers", [leader.dealer_profile], reason="Licence revoked")

    state = api(auction.listing.seller).get(f"/api/v1/auctions/{auction.pk}/").json()
    assert state["price_minor"] == 10_000_00, "re-resolved from the remaining maximum alone"
    end_and_close(auction)
    assert auction.leader_id == runner_up.pk
    assert not Sale.objects.filter(buyer=leader).exists()


def test_the_seller_cannot_sell_to_a_top_bidder_suspended_after_the_close(client):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    leader = DealerFactory(verified=True)
    api(leader).post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount_minor": 11_000_00}, format="json")
    end_and_close(auction)
    assert auction.outcome == Auction.Outcome.AWAITING_SELLER

    client.force_login(StaffFactory())
    admin_action(client, PROFILES, "suspend_dealers", [leader.dealer_profile], reason="Licence revoked")

    seller = api(auction.listing.seller)
    answer = seller.post(f"/api/v1/auctions/{auction.pk}/decision/", {"accept": True}, format="json")
    assert answer.status_code == 409
    assert not Sale.objects.filter(buyer=leader).exists()
