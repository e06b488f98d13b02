"""The bid function (auctions/sql/bid_place_v2.sql) against its reference model, the pure engine.

Hypothesis drives random sequences — plain bids, maxima, ties, leaders raising their own maximum, bids in the
soft-close window and after the end, buying limits with commitments on another auction, idempotent retries —
through `bid_place` (one statement in PostgreSQL) and through `auctions.engine.resolve_bid` with the service's checks
around it, and requires the same outcome every time: the same refusal (and minimum), or the same bid rows, standing,
labels, reserve-met and end."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from auctions import services
from auctions.engine import BidRejected, BidTooLow, Standing, increment_for, minimum_next_bid, resolve_bid
from auctions.models import Bid
from auctions.selectors import dealer_committed_minor
from auctions.services.bidding import money_text
from core.exceptions import ApplicationError
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the bid function is PostgreSQL's")

LADDER = django_settings.GAVEL_BID_INCREMENTS
DEALERS = 3


@dataclass
class ModelAuction:
    """What the reference model knows of one auction."""

    starting_price_minor: int
    reserve_minor: int | None
    standing: Standing = Standing()
    ended: bool = False
    in_soft_close: bool = False
    bid_rows: int = 0
    visible_bids: int = 0
    labels: dict = field(default_factory=dict)


def _expected(model: dict, limits: dict, *, target: int, dealer: int, amount, maximum):
    """The model's answer: ("refused", code, minimum) or ("placed", resolution)."""
    auction = model[target]
    if auction.ended:
        return ("refused", "auction_ended", None)
    try:
        resolution = resolve_bid(auction.standing, dealer=dealer, starting_price_minor=auction.starting_price_minor,
                                 amount_minor=amount, max_amount_minor=maximum, ladder=LADDER, money=money_text)
    except BidTooLow as exc:
        return ("refused", exc.code, exc.minimum_minor)
    except BidRejected as exc:
        return ("refused", exc.code, None)
    committed = sum(other.standing.leader_max_minor for key, other in model.items()
                    if key != target and other.standing.leader == dealer)
    if committed + (maximum if maximum is not None else amount) > limits[dealer]:
        return ("refused", "buying_limit_exceeded", None)
    return ("placed", resolution)


def _outcome(call):
    try:
        return ("placed", call())
    except ApplicationError as exc:
        return ("refused", exc.code, getattr(exc, "minimum_minor", None), getattr(exc, "replayed", False))


bid_steps = st.tuples(st.just("bid"), st.integers(0, 1), st.integers(0, DEALERS - 1), st.booleans(),
                      st.sampled_from(["minimum", "leader_max", "price"]), st.integers(-2, 5), st.integers(-1, 1),
                      st.booleans())
steps = st.lists(st.one_of(bid_steps, bid_steps, bid_steps, bid_steps,
                           st.tuples(st.just("limit"), st.integers(0, DEALERS - 1), st.integers(0, 40)),
                           st.tuples(st.just("soon"), st.integers(0, 1)),
                           st.tuples(st.just("late"), st.integers(0, 1))), min_size=4, max_size=16)


@pytest.mark.django_db
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(script=steps, start=st.sampled_from([1_000_00, 4_950_00, 19_900_00]))
def test_the_bid_function_decides_as_the_engine_does(script, start):
    staff = StaffFactory()
    auctions = [make_auction(starting_price_minor=start, staff=staff) for _ in range(2)]
    dealers = [DealerFactory(verified=True, profile__buying_limit_minor=100_000_00) for _ in range(DEALERS)]
    ids = {d.pk: i for i, d in enumerate(dealers)}
    limits = {i: d.dealer_profile.buying_limit_minor for i, d in enumerate(dealers)}
    model = {i: ModelAuction(a.starting_price_minor, a.reserve_minor) for i, a in enumerate(auctions)}
    window = timedelta(seconds=django_settings.GAVEL_SOFT_CLOSE_SECONDS)

    for number, step in enumerate(script):
        if step[0] == "limit":
            _, who, units = step
            limits[who] = units * 500_00
            type(dealers[who].dealer_profile).objects.filter(user=dealers[who]).update(buying_limit_minor=limits[who])
            continue
        if step[0] in ("soon", "late"):
            move_end(auctions[step[1]], seconds_from_now=30 if step[0] == "soon" else -1)
            model[step[1]].in_soft_close, model[step[1]].ended = step[0] == "soon", step[0] == "late"
            continue

        _, target, who, is_max, anchor, steps_away, nudge, keyed = step
        auction = model[target]
        base = {"minimum": minimum_next_bid(auction.standing, starting_price_minor=auction.starting_price_minor,
                                            ladder=LADDER),
                "leader_max": auction.standing.leader_max_minor, "price": auction.standing.price_minor}[anchor]
        base = base if base is not None else auction.starting_price_minor
        offered = base + steps_away * increment_for(base, LADDER) + nudge
        amount, maximum = (None, offered) if is_max else (offered, None)
        # The SQL's commitment rule and the selector's agree (the model counts leaders' maxima elsewhere).
        assert dealer_committed_minor(dealer=dealers[who], exclude_auction_id=auctions[target].pk) == sum(
            other.standing.leader_max_minor for key, other in model.items()
            if key != target and other.standing.leader == who)

        expected = _expected(model, limits, target=target, dealer=who, amount=amount, maximum=maximum)
        key = f"key-{number}" if keyed else None

        def place(key=key, target=target, who=who, amount=amount, maximum=maximum):
            return services.bid_place(auction_id=auctions[target].pk, dealer=dealers[who], amount_minor=amount,
                                      max_amount_minor=maximum, idempotency_key=key,
                                      request_hash=f"hash-{key}" if key else None)

        got = _outcome(place)
        if expected[0] == "refused":
            event(f"refused: {expected[1]}")
        else:
            event("placed: own maximum raised" if expected[1].raised_max_only
                  else f"placed: {len(expected[1].bids)} bid rows")
        if expected[0] == "refused":
            assert got[:3] == expected, (step, auction.standing)
            assert not got[3]
            assert Bid.objects.filter(auction=auctions[target]).count() == auction.bid_rows
        else:
            assert got[0] == "placed", (step, auction.standing, got)
            resolution, result = expected[1], got[1]
            if resolution.raised_max_only:
                planned = [(who, auction.standing.price_minor, "proxy", maximum, False)]
            else:
                planned = [(b.dealer, b.amount_minor, b.kind, b.max_minor, True) for b in resolution.bids]
            rows = [(ids[b.dealer_id], b.amount_minor, b.kind, b.max_minor, b.is_visible) for b in result.bids]
            assert rows == planned
            assert [b.sequence for b in result.bids] == list(range(auction.bid_rows + 1,
                                                                   auction.bid_rows + len(planned) + 1))
            for dealer_index, *_ in planned:
                auction.labels.setdefault(dealer_index, len(auction.labels) + 1)
            assert {ids[d]: n for d, n in result.labels.items()} == auction.labels
            new = resolution.standing
            state = result.auction
            assert (state.price_minor, ids.get(state.leader_id), state.leader_max_minor) == (
                new.price_minor, new.leader, new.leader_max_minor)
            auction.bid_rows += len(planned)
            auction.visible_bids += 0 if resolution.raised_max_only else len(planned)
            assert state.bid_count == auction.visible_bids
            assert state.reserve_met == (auction.reserve_minor is None or new.price_minor >= auction.reserve_minor)
            bid_time = result.bids[0].created_at
            if auction.in_soft_close and not resolution.raised_max_only:
                assert state.ends_at == bid_time + window
            else:
                assert state.ends_at - bid_time > window or auction.in_soft_close
            auction.standing = new
            assert Bid.objects.filter(auction=auctions[target]).count() == auction.bid_rows

        if keyed:  # a retry gets the first decision back and places nothing
            again = _outcome(place)
            if got[0] == "refused":
                assert again == (*got[:3], True)
            else:
                assert again[0] == "placed" and again[1].replayed
                assert [(b.pk, b.amount_minor) for b in again[1].bids] == [(b.pk, b.amount_minor) for b in got[1].bids]
                assert again[1].auction.price_minor == got[1].auction.price_minor
            assert Bid.objects.filter(auction=auctions[target]).count() == auction.bid_rows
            other = _outcome(lambda key=key, target=target, who=who: services.bid_place(
                auction_id=auctions[target].pk, dealer=dealers[who], amount_minor=1, idempotency_key=key,
                request_hash="another request"))
            assert other[:2] == ("refused", "idempotency_key_reused")
