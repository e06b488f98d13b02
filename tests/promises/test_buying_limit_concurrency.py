"""Promise 9: a buying limit holds even for simultaneous bids.

A dealer's leading maxima (plus unpaid cars) may never add up to more than their buying limit, however many of
their bids arrive at the same moment, on how many auctions, and however busy those auctions are. Every race goes
through the real API (token clients, one thread and one PostgreSQL connection each, released by one barrier) and
is run many times; after each, what the database says the dealer has committed is checked against the limit.
"""

import pytest
from django.db.models import Sum

from auctions.models import Auction
from auctions.services import auction_close
from tests.accounts.factories import DealerFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction
from tests.promises.conftest import simultaneously, token_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 12
LIMIT = 10_000_00


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.GAVEL_BID_RATE = "100000/min"


def leading_maxima(dealer) -> int:
    """What the dealer has committed, read straight from the auctions (these dealers have no sales)."""
    return Auction.objects.filter(status=Auction.Status.LIVE, leader=dealer).aggregate(
        total=Sum("leader_max_minor"))["total"] or 0


def bid(client, auction, **amount):
    def send():
        response = client.post(f"/api/v1/auctions/{auction.pk}/bids/", amount, format="json")
        assert response.status_code < 500, response.content
        return response.status_code, response.json().get("code")
    return send


def test_two_simultaneous_maxima_on_two_auctions_never_take_a_dealer_over_the_limit():
    """€10,000 limit, two €6,000 maxima at the same moment on two cars: one is accepted, the other refused."""
    for _ in range(ROUNDS):
        dealer = DealerFactory(verified=True, profile__buying_limit_minor=LIMIT)
        first, second = make_auction(starting_price_minor=5_000_00), make_auction(starting_price_minor=5_000_00)
        client_a, client_b = token_client(dealer), token_client(dealer)

        answers = simultaneously([bid(client_a, first, max_amount_minor=6_000_00),
                                  bid(client_b, second, max_amount_minor=6_000_00)])

        assert sorted(answers) == [(201, None), (409, "buying_limit_exceeded")], answers
        assert leading_maxima(dealer) == 6_000_00


def test_a_top_bid_waiting_for_the_sellers_decision_counts_against_the_limit(settings):
    """Below the reserve, the seller may still accept the top bid: until they decide, the dealer is bound to it."""
    dealer = DealerFactory(verified=True, profile__buying_limit_minor=LIMIT)
    client = token_client(dealer)
    undecided = make_auction(starting_price_minor=5_000_00, reserve_minor=12_000_00)
    assert bid(client, undecided, max_amount_minor=6_000_00)() == (201, None)  # leads at €5,000
    move_end(undecided, seconds_from_now=-1)
    auction_close(auction_id=undecided.pk)
    undecided.refresh_from_db()
    assert undecided.outcome == Auction.Outcome.AWAITING_SELLER and undecided.price_minor == 5_000_00

    other = make_auction(starting_price_minor=5_000_00)
    assert bid(client, other, max_amount_minor=6_000_00)() == (409, "buying_limit_exceeded")
    assert bid(client, other, max_amount_minor=5_000_00)() == (201, None)


def test_three_simultaneous_maxima_in_a_busy_auction_and_one_elsewhere_never_take_a_dealer_over_the_limit():
    """At the same moment: the dealer raises their maximum three times on a busy car (two other dealers bid on it
    too, below the dealer's maxima, so the dealer's commitment there only grows) and sets a €6,000 maximum on a
    second car. Whatever the order, €6,000 there leaves room for at most €4,000 here."""
    for _ in range(ROUNDS):
        dealer = DealerFactory(verified=True, profile__buying_limit_minor=LIMIT)
        others = [DealerFactory(verified=True) for _ in range(2)]
        busy, elsewhere = make_auction(starting_price_minor=1_000_00), make_auction(starting_price_minor=5_000_00)
        calls = [bid(token_client(dealer), busy, max_amount_minor=amount) for amount in (3_000_00, 4_000_00, 5_000_00)]
        calls.append(bid(token_client(dealer), elsewhere, max_amount_minor=6_000_00))
        calls += [bid(token_client(other), busy, amount_minor=amount)
                  for other in others for amount in (1_000_00, 2_000_00)]

        answers = simultaneously(calls)

        codes = {code for status, code in answers if status >= 400}
        assert codes <= {"buying_limit_exceeded", "bid_too_low", "already_leading"}, answers
        assert leading_maxima(dealer) <= LIMIT, answers
        busy.refresh_from_db()
        assert busy.leader_id == dealer.pk  # the others never offered more than the dealer's smallest maximum
