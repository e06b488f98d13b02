"""Promise 12: each outcome is told once."""

import pytest
from django.core import mail

from auctions import services as auction_services
from core.models import Notification
from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction
from tests.promises.conftest import api, end_and_close

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_close_effects_that_run_twice_tell_the_seller_and_the_winner_once():
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    winner = DealerFactory(verified=True)
    api(winner).post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount_minor": 12_500_00}, format="json")
    end_and_close(auction)

    auction_services.auction_closed_effects(auction_id=auction.pk, outcome=auction.outcome)  # a retried task

    seller = auction.listing.seller
    assert Notification.objects.filter(user=seller, kind="auction_sold").count() == 1
    assert Notification.objects.filter(user=winner, kind="auction_won").count() == 1
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == len(set(subjects)), subjects
