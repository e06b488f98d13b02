"""Stale bids refused without the database (auctions.bid_gate): a copy of the minimum, however old, only ever lets
a bid through to the locked check; it never refuses a bid the database would take."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auctions import services
from auctions.bid_gate import bid_gate_read, bid_gate_refusal
from auctions.models import Auction
from auctions.selectors import auction_minimum_next_bid
from core.exceptions import ApplicationError
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction


def _try(**bid) -> bool:
    """Whether the database takes this bid now (asked, then rolled back)."""
    with transaction.atomic():
        try:
            services.bid_place(**bid)
        except ApplicationError:
            return False
        finally:
            transaction.set_rollback(True)
    return True


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(history=st.lists(st.tuples(st.integers(0, 2), st.booleans(), st.integers(0, 6)), min_size=1, max_size=8),
       probes=st.lists(st.tuples(st.integers(0, 2), st.booleans(), st.integers(-3, 6)), min_size=1, max_size=6))
def test_a_stale_copy_never_refuses_a_bid_the_database_takes(history, probes, redis,
                                                             django_capture_on_commit_callbacks):
    auction = make_auction(staff=StaffFactory())
    dealers = [DealerFactory(verified=True, profile__buying_limit_minor=10**9) for _ in range(3)]
    copies = []
    for who, is_max, steps in history:  # some accepted, some refused; each accepted one writes a newer copy
        minimum = auction_minimum_next_bid(Auction.objects.get(pk=auction.pk))
        offered = minimum + steps * 50_00
        with django_capture_on_commit_callbacks(execute=True):
            try:
                services.bid_place(auction_id=auction.pk, dealer=dealers[who],
                                   **{"max_amount_minor" if is_max else "amount_minor": offered})
            except ApplicationError:
                pass
        copies.append(bid_gate_read(auction.pk))
    assert copies[-1] is not None and copies[-1].minimum_minor == auction_minimum_next_bid(
        Auction.objects.get(pk=auction.pk))

    minimum = auction_minimum_next_bid(Auction.objects.get(pk=auction.pk))
    for who, is_max, steps in probes:
        offered = minimum + steps * 25_00
        taken = _try(auction_id=auction.pk, dealer=dealers[who],
                     **{"max_amount_minor" if is_max else "amount_minor": offered})
        for copy in copies:
            if bid_gate_refusal(copy, dealer_id=dealers[who].pk, offered_minor=offered) is not None:
                assert not taken, (copy, who, offered)


def test_a_bid_below_the_copy_is_refused_without_a_query(auction, dealers, redis, django_capture_on_commit_callbacks,
                                                         django_assert_num_queries):
    first, second = dealers(2)
    with django_capture_on_commit_callbacks(execute=True):
        services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=10_000_00)
    with django_assert_num_queries(0), pytest.raises(ApplicationError) as refused:
        services.bid_place(auction_id=auction.pk, dealer=second, amount_minor=10_000_00)
    assert refused.value.code == "bid_too_low" and getattr(refused.value, "minimum_minor") == 10_100_00  # noqa: B009


def test_an_older_copy_never_overwrites_a_newer_one(auction, dealers, redis, django_capture_on_commit_callbacks):
    first, second = dealers(2)
    with django_capture_on_commit_callbacks() as late:  # its copy leaves late, after the next bid's
        services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=10_000_00)
    with django_capture_on_commit_callbacks(execute=True):
        services.bid_place(auction_id=auction.pk, dealer=second, amount_minor=10_500_00)
    for callback in late:
        callback()
    assert bid_gate_read(auction.pk).minimum_minor == 10_600_00


def test_withdrawing_a_dealer_lowers_the_copy_before_and_after_the_commit(auction, dealers, redis, staff,
                                                                          django_capture_on_commit_callbacks):
    first, second = dealers(2)
    with django_capture_on_commit_callbacks(execute=True):
        services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=10_000_00)
        services.bid_place(auction_id=auction.pk, dealer=second, amount_minor=11_000_00)
    assert bid_gate_read(auction.pk).minimum_minor == 11_100_00
    with django_capture_on_commit_callbacks() as pending:
        services.dealer_bids_withdraw(dealer_id=second.pk, actor=staff, reason="suspended",
                                      reason_code=services.REASON_DEALER_SUSPENDED)
        held = bid_gate_read(auction.pk)
    assert held.minimum_minor is None  # held before the commit: the gate refuses nothing
    assert bid_gate_refusal(held, dealer_id=second.pk, offered_minor=10_100_00) is None
    for callback in pending:
        callback()
    assert bid_gate_read(auction.pk).minimum_minor == 10_100_00


def test_a_stale_bid_through_the_api_asks_the_database_nothing(auction, dealers, redis,
                                                               django_capture_on_commit_callbacks,
                                                               django_assert_num_queries):
    """Who sends it (the token, their membership), the rate limit and the copy come from Redis: a refused stale bid
    costs PostgreSQL nothing."""
    from tests.promises.conftest import token_client

    first, second = dealers(2)
    api = token_client(second)
    url = f"/api/v1/auctions/{auction.pk}/bids/"
    with django_capture_on_commit_callbacks(execute=True):
        services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=10_000_00)
    assert api.post(url, {"amount_minor": 9_000_00}, format="json").status_code == 400  # the token cached now
    with django_assert_num_queries(0):
        response = api.post(url, {"amount_minor": 10_000_00}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "bid_too_low"
    assert response.json()["fields"] == {"amount_minor": ["Bid at least €10,100."]}
