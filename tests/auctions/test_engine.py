"""The bidding rules, checked case by case and against a brute-force reference model."""

import pytest
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from auctions.engine import (
    AlreadyLeading,
    BidRejected,
    BidTooLow,
    Standing,
    increment_for,
    minimum_next_bid,
    resolve_bid,
)

LADDER = django_settings.GAVEL_BID_INCREMENTS  # the published ladder (its one home is the setting)
START = 1_000_00


def bid(standing, dealer, *, amount=None, max_amount=None):
    return resolve_bid(standing, dealer=dealer, starting_price_minor=START, amount_minor=amount,
                       max_amount_minor=max_amount, money=str, ladder=LADDER)


@pytest.mark.parametrize(("price", "step"), [(0, 50_00), (4_999_99, 50_00), (5_000_00, 100_00),
                                             (19_999_99, 100_00), (20_000_00, 250_00), (900_000_00, 250_00)])
def test_the_increment_follows_the_price_band(price, step):
    assert increment_for(price, LADDER) == step


def test_the_first_bid_must_reach_the_starting_price():
    with pytest.raises(BidTooLow) as refused:
        bid(Standing(), "A", amount=START - 1)
    assert refused.value.code == "bid_too_low" and "amount_minor" in refused.value.fields
    result = bid(Standing(), "A", amount=START)
    assert result.standing == Standing(START, "A", START)


def test_a_first_proxy_bid_shows_the_starting_price_and_keeps_its_maximum_private():
    result = bid(Standing(), "A", max_amount=3_000_00)
    assert [(b.dealer, b.amount_minor, b.kind) for b in result.bids] == [("A", START, "proxy")]
    assert result.standing == Standing(START, "A", 3_000_00)


def test_each_next_bid_must_be_at_least_one_increment_above_the_price():
    standing = bid(Standing(), "A", amount=START).standing
    assert minimum_next_bid(standing, starting_price_minor=START, ladder=LADDER) == START + 50_00
    with pytest.raises(BidTooLow):
        bid(standing, "B", amount=START + 49_99)
    assert bid(standing, "B", amount=START + 50_00).standing.leader == "B"


def test_a_direct_bid_below_a_proxy_maximum_is_answered_by_the_proxy_at_once():
    standing = bid(Standing(), "A", max_amount=2_000_00).standing
    result = bid(standing, "B", amount=1_500_00)
    assert [(b.dealer, b.amount_minor, b.kind) for b in result.bids] == [("B", 1_500_00, "direct"),
                                                                        ("A", 1_550_00, "auto")]
    assert result.standing == Standing(1_550_00, "A", 2_000_00)


def test_the_proxy_answer_never_exceeds_its_maximum():
    standing = bid(Standing(), "A", max_amount=1_520_00).standing
    result = bid(standing, "B", amount=1_500_00)
    assert result.standing == Standing(1_520_00, "A", 1_520_00)


def test_equal_maxima_the_earlier_one_leads():
    standing = bid(Standing(), "A", max_amount=2_000_00).standing
    result = bid(standing, "B", max_amount=2_000_00)
    assert result.standing == Standing(2_000_00, "A", 2_000_00)
    assert [b.amount_minor for b in result.bids] == [2_000_00, 2_000_00]


def test_a_higher_maximum_leads_at_one_increment_above_the_old_maximum():
    standing = bid(Standing(), "A", max_amount=2_000_00).standing
    result = bid(standing, "B", max_amount=5_000_00)
    assert [(b.dealer, b.amount_minor) for b in result.bids] == [("A", 2_000_00), ("B", 2_050_00)]
    assert result.standing == Standing(2_050_00, "B", 5_000_00)


def test_a_direct_bid_above_the_leaders_maximum_leads_at_its_own_amount():
    standing = bid(Standing(), "A", max_amount=2_000_00).standing
    result = bid(standing, "B", amount=3_000_00)
    assert result.standing == Standing(3_000_00, "B", 3_000_00)


def test_the_leader_cannot_outbid_themselves_but_may_raise_their_maximum():
    standing = bid(Standing(), "A", max_amount=2_000_00).standing
    with pytest.raises(AlreadyLeading):
        bid(standing, "A", amount=2_500_00)
    with pytest.raises(BidTooLow):
        bid(standing, "A", max_amount=2_000_00)
    raised = bid(standing, "A", max_amount=4_000_00)
    assert raised.raised_max_only and raised.bids == ()
    assert raised.standing == Standing(START, "A", 4_000_00)


@pytest.mark.parametrize("kwargs", [{}, {"amount": 100, "max_amount": 200}, {"amount": 0}, {"amount": -5},
                                    {"max_amount": True}, {"amount": 10.5}])
def test_malformed_bids_are_rejected_with_a_field_error(kwargs):
    with pytest.raises(BidRejected) as refused:
        bid(Standing(), "A", **kwargs)
    assert refused.value.fields


# --- reference model ------------------------------------------------------------------------

class Reference:
    """Recomputes the outcome from every offer so far: the highest maximum leads (earliest on
    ties) at min(top maximum, runner-up maximum + increment), never below the leader's own
    direct bid; a leader raising their own maximum moves nothing visible."""

    def __init__(self):
        self.best = {}  # dealer -> (maximum, order it was reached)
        self.direct = {}  # dealer -> highest direct amount
        self.price = None
        self.leader = None
        self.order = 0

    def offer(self, dealer, value, is_direct):
        self.order += 1
        if value > self.best.get(dealer, (0, 0))[0]:
            self.best[dealer] = (value, self.order)
        if is_direct:
            self.direct[dealer] = max(self.direct.get(dealer, 0), value)
        if dealer == self.leader:
            return
        ranked = sorted(self.best.items(), key=lambda item: (-item[1][0], item[1][1]))
        self.leader = ranked[0][0]
        top = ranked[0][1][0]
        if len(ranked) == 1:
            self.price = value if is_direct else START
            return
        second = ranked[1][1][0]
        price = top if top == second else min(top, second + increment_for(second, LADDER))
        self.price = max(price, self.direct.get(self.leader, 0))


offers = st.lists(
    st.tuples(st.sampled_from("ABCDE"), st.integers(min_value=1, max_value=60_000_00), st.booleans()),
    min_size=1, max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(offers)
def test_the_engine_agrees_with_the_reference_model_on_any_bid_sequence(sequence):
    standing: Standing[str] = Standing()
    reference, history = Reference(), []
    for dealer, value, is_direct in sequence:
        before = standing
        try:
            result = bid(standing, dealer, **({"amount": value} if is_direct else {"max_amount": value}))
        except BidRejected:
            continue  # refused bids change nothing, in the engine and in the reference
        reference.offer(dealer, value, is_direct)
        standing = result.standing
        history.extend(result.bids)

        assert (standing.price_minor, standing.leader) == (reference.price, reference.leader)
        assert standing.leader_max_minor >= standing.price_minor >= START
        if not result.raised_max_only:
            assert standing.price_minor >= minimum_next_bid(before, starting_price_minor=START, ladder=LADDER)

    amounts = [b.amount_minor for b in history]
    for previous, current in zip(history, history[1:], strict=False):
        # strictly increasing, except a proxy answering an equal maximum (the earlier one leads)
        assert current.amount_minor > previous.amount_minor or (
            current.kind == "auto" and current.amount_minor == previous.amount_minor)
    if history:
        assert amounts[-1] == standing.price_minor
        last_visible_leader = history[-1].dealer
        assert last_visible_leader == standing.leader
