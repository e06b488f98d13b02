"""32 dealers bid on one auction at once, each thread on its own PostgreSQL connection."""

import random
import threading
from typing import Any

import pytest
from django.db import connection, connections

from auctions import services
from auctions.models import Auction, Bid
from auctions.selectors import auction_minimum_next_bid
from core.exceptions import ApplicationError
from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction

# serial: 32 connections at once; two such tests at once would crowd PostgreSQL (max_connections 100).
pytestmark = pytest.mark.serial
THREADS = 32
ROUNDS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_two_concurrent_bidders_lose_nothing_and_keep_the_order():
    auction = make_auction(starting_price_minor=1_000_00)
    dealers = [DealerFactory(verified=True, profile__buying_limit_minor=10_000_000_00) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    accepted, refused, crashed = [], [], []
    lock = threading.Lock()

    def bidder(index: int, dealer):
        rng = random.Random(index)
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                fresh = Auction.objects.get(pk=auction.pk)
                next_min = auction_minimum_next_bid(fresh)
                if index % 2:
                    kwargs: dict[str, Any] = {"amount_minor": next_min}
                else:
                    kwargs = {"max_amount_minor": next_min + rng.randrange(0, 40) * 50_00}
                try:
                    result = services.bid_place(auction_id=auction.pk, dealer=dealer, **kwargs)
                except ApplicationError as exc:
                    with lock:
                        refused.append(exc.code)
                else:
                    with lock:
                        accepted.append((dealer.pk, [(b.sequence, b.amount_minor) for b in result.visible_bids],
                                         result.my_max_minor))
        except Exception as exc:  # anything but a business refusal fails the test below
            with lock:
                crashed.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bidder, args=(i, d)) for i, d in enumerate(dealers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert crashed == []
    assert accepted, "some bids must get through"
    assert set(refused) <= {"bid_too_low", "already_leading"}

    auction.refresh_from_db()
    rows = list(Bid.objects.filter(auction=auction).order_by("sequence"))
    visible = [b for b in rows if b.is_visible]
    # contiguous sequences, nothing lost
    assert [b.sequence for b in rows] == list(range(1, len(rows) + 1))
    assert auction.last_sequence == len(rows)
    placed = {seq: amount for _, bids, _ in accepted for seq, amount in bids}
    assert {b.sequence: b.amount_minor for b in visible} == placed
    assert len(accepted) == len({b.sequence for b in rows if b.kind != Bid.Kind.AUTO and b.is_visible}) + \
        sum(1 for b in rows if not b.is_visible)
    # strictly increasing in sequence order, except a proxy answering an equal maximum
    for previous, current in zip(visible, visible[1:], strict=False):
        assert current.amount_minor > previous.amount_minor or (
            current.kind == Bid.Kind.AUTO and current.amount_minor == previous.amount_minor), (previous, current)
    # the auction's standing is its last visible bid's
    assert auction.price_minor == visible[-1].amount_minor
    assert auction.leader_id == visible[-1].dealer_id
    assert auction.bid_count == len(visible)
    assert connection.vendor == "postgresql"
