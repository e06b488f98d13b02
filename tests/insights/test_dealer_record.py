"""The dealer record with hand-built histories: weights, the window, the score, the minimum sample, each counted
event listed, rates, days to pay, the as-of rule and determinism."""

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.records import (
    DEALER_METHOD,
    AdjustmentEvent,
    AdjustmentOutcome,
    CancelReason,
    CountedKind,
    DealerRecordRules,
    DisputeEvent,
    DisputeOutcome,
    SaleEvents,
    dealer_record,
    sale_weight,
)
from tests.insights.examples import DAY, DEALER_AS_OF, HOUR, at, dealer_example, sale

AS_OF = at(2026, 6, 15, 18)


def on_time(ref, hammer):
    return sale(ref, hammer, paid_after=1 * DAY, collected_after=1 * DAY)


def ten_on_time(start=None):
    start = start or at(2026, 6, 1)
    return [on_time(f"OK-{i}", start - i * DAY) for i in range(10)]


# --- weights and window ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("hammer_on", "weight"), [
    (date(2026, 6, 15), 12),  # today
    (date(2026, 5, 16), 12),  # not yet one whole month ago
    (date(2026, 5, 15), 11),  # one whole month ago
    (date(2026, 1, 10), 7),  # 5 whole months
    (date(2025, 6, 16), 1),  # 11 whole months: the oldest day still in the window
    (date(2025, 6, 15), 0),  # 12 whole months: outside
    (date(2024, 1, 1), 0),
    (date(2026, 6, 16), 0),  # after as-of: has not happened
])
def test_weights_fall_linearly_from_12_for_the_last_month_to_1_for_the_oldest(hammer_on, weight):
    assert sale_weight(hammer_on=hammer_on, as_of=date(2026, 6, 15)) == weight


def test_the_window_length_is_a_parameter_and_the_weights_follow_it():
    assert sale_weight(hammer_on=date(2026, 6, 1), as_of=date(2026, 6, 15), window_months=6) == 6
    assert sale_weight(hammer_on=date(2025, 12, 16), as_of=date(2026, 6, 15), window_months=6) == 1
    assert sale_weight(hammer_on=date(2025, 12, 15), as_of=date(2026, 6, 15), window_months=6) == 0


def test_a_recent_late_payment_costs_more_than_an_old_one():
    # Given two dealers with the same ten sales, each with one late payment: one last week, one 11 months ago.
    recent = ten_on_time() + [sale("LATE", at(2026, 6, 8), paid_after=4 * DAY, collected_after=1 * DAY)]
    old = ten_on_time() + [sale("LATE", at(2025, 6, 20), paid_after=4 * DAY, collected_after=1 * DAY)]
    r_recent, r_old = dealer_record(recent, as_of=AS_OF), dealer_record(old, as_of=AS_OF)
    # Then: the weighted share paid on time is (ten sales of weight 12) / (ten of 12 + the late one's weight).
    assert r_recent.paid_on_time.value == Fraction(120, 132)
    assert r_old.paid_on_time.value == Fraction(120, 121)
    # Score: the late sale keeps 60 points; 100 * 120 + 60 * w over 120 + w.
    assert r_recent.score_exact == Fraction(120 * 100 + 12 * 60, 132)
    assert r_old.score_exact == Fraction(120 * 100 + 1 * 60, 121)
    assert (r_recent.score, r_old.score) == (96, 99)


def test_sales_older_than_twelve_months_do_not_count_at_all():
    record = dealer_record(ten_on_time() + [sale("OLD", at(2025, 6, 15), cancelled=(at(2025, 6, 30),
                                                                                   CancelReason.UNPAID))],
                           as_of=AS_OF)
    assert record.sales_won == 10
    assert record.counted_against == ()
    assert record.score == 100
    assert record.window_start == date(2025, 6, 16)


# --- the worked example of docs/methods.md ----------------------------------------------------------------------

def test_the_worked_example_gives_the_published_figures():
    record = dealer_record(dealer_example(), as_of=DEALER_AS_OF)
    assert record.method == DEALER_METHOD
    weights = {line.sale_ref: (line.weight, line.points) for line in record.sales}
    assert weights == {"S-112": (12, 100), "S-108": (12, 80), "S-105": (11, 60), "S-101": (10, 100),
                       "S-097": (10, 100), "S-090": (8, 0), "S-081": (6, 100), "S-070": (4, 80), "S-064": (3, 100),
                       "S-052": (1, 60), "S-115": (12, None)}
    assert (record.sales_won, record.sales_scored) == (11, 10)
    assert record.score_exact == Fraction(6100, 77)
    assert record.score == 79
    assert record.summary == "Score 79 of 100 from 10 sales in the last 12 months"
    assert (record.paid_on_time.weighted_part, record.paid_on_time.weighted_whole) == (57, 77)
    assert record.paid_on_time.percent == 74
    assert (record.collected_on_time.weighted_part, record.collected_on_time.weighted_whole) == (57, 69)
    assert record.collected_on_time.percent == 83
    assert record.cancelled_unpaid.percent == 10
    assert record.adjustments_accepted.per_100 == Decimal("6.7")
    assert record.disputes_opened.per_100 == Decimal("4.5")
    assert record.disputes_upheld.per_100 == Decimal("0.0")
    assert record.disputes_rejected == 1
    assert record.median_days_to_pay == Decimal("2.0")


def test_every_event_that_counted_against_the_dealer_is_listed_with_its_points():
    record = dealer_record(dealer_example(), as_of=DEALER_AS_OF)
    listed = [(e.sale_ref, e.kind, e.points, e.weight) for e in record.counted_against]
    assert listed == [
        ("S-052", CountedKind.PAID_LATE, 40, 1),
        ("S-070", CountedKind.DISPUTE_REJECTED, 20, 4),
        ("S-090", CountedKind.CANCELLED_UNPAID, 100, 8),
        ("S-105", CountedKind.PAID_LATE, 40, 11),
        ("S-108", CountedKind.COLLECTED_LATE, 20, 12),
    ]
    assert record.counted_against[0].text == "Paid 3.0 days after the payment deadline."
    assert record.counted_against[-1].text == "Collected 1.5 days after the collection deadline."
    # The listed events explain the whole gap between a perfect record and the score.
    lost = sum(min(100, sum(e.points for e in line.deductions)) * line.weight for line in record.sales if line.scored)
    assert record.score_exact == Fraction(100 * 77 - lost, 77)


def test_each_kind_of_event_is_listed_when_it_happens():
    sales = [
        sale("late-pay", at(2026, 6, 1), paid_after=3 * DAY, collected_after=1 * DAY),
        sale("overdue", at(2026, 6, 5)),  # due 7 June, unpaid on 15 June, not yet cancelled
        sale("cancelled", at(2026, 5, 1), cancelled=(at(2026, 5, 10), CancelReason.UNPAID)),
        sale("late-collect", at(2026, 5, 2), paid_after=1 * DAY, collected_after=7 * DAY),
        sale("not-collected", at(2026, 6, 1), paid_after=1 * DAY, collect_days=3),
        sale("rejected", at(2026, 4, 1), paid_after=1 * DAY, collected_after=1 * DAY,
             disputes=(DisputeEvent(opened_at=at(2026, 4, 5), outcome=DisputeOutcome.REJECTED,
                                    resolved_at=at(2026, 4, 9)),)),
    ]
    record = dealer_record(sales, as_of=AS_OF)
    assert {(e.sale_ref, e.kind) for e in record.counted_against} == {
        ("late-pay", CountedKind.PAID_LATE), ("overdue", CountedKind.UNPAID_PAST_DEADLINE),
        ("cancelled", CountedKind.CANCELLED_UNPAID), ("late-collect", CountedKind.COLLECTED_LATE),
        ("not-collected", CountedKind.NOT_COLLECTED_PAST_DEADLINE), ("rejected", CountedKind.DISPUTE_REJECTED),
    }
    points = {line.sale_ref: line.points for line in record.sales}
    assert points == {"late-pay": 60, "overdue": 60, "cancelled": 0, "late-collect": 80, "not-collected": 80,
                      "rejected": 80}


def test_nothing_that_is_not_the_dealers_doing_is_counted_against_them():
    sales = ten_on_time() + [
        # The seller refused a computed adjustment: the sale is cancelled after payment; neutral for the dealer.
        sale("refused", at(2026, 6, 2), paid_after=1 * DAY,
             adjustments=(AdjustmentEvent(requested_at=at(2026, 6, 4), outcome=AdjustmentOutcome.REFUSED,
                                          decided_at=at(2026, 6, 5)),),
             cancelled=(at(2026, 6, 5), CancelReason.ADJUSTMENT_REFUSED)),
        # Cancelled before payment because the car was not as described.
        sale("misdescribed", at(2026, 6, 3), pay_days=5, cancelled=(at(2026, 6, 4),
                                                                    CancelReason.CAR_NOT_AS_DESCRIBED)),
        # An accepted adjustment and an upheld dispute mean the report missed a defect: the inspector's record.
        sale("accepted", at(2026, 5, 20), paid_after=1 * DAY, collected_after=1 * DAY,
             adjustments=(AdjustmentEvent(requested_at=at(2026, 5, 22), outcome=AdjustmentOutcome.ACCEPTED,
                                          decided_at=at(2026, 5, 23)),),
             disputes=(DisputeEvent(opened_at=at(2026, 5, 25), outcome=DisputeOutcome.UPHELD,
                                    resolved_at=at(2026, 5, 28)),)),
    ]
    record = dealer_record(sales, as_of=AS_OF)
    assert record.counted_against == ()
    assert record.score == 100
    scored = {line.sale_ref: line.scored for line in record.sales}
    assert scored["refused"] is True and scored["misdescribed"] is False
    assert record.adjustments_requested.count == 2
    assert record.adjustments_accepted.count == 1
    assert record.disputes_upheld.count == 1
    assert record.cancelled_unpaid.count == 0


# --- minimum sample -----------------------------------------------------------------------------------------------

def test_below_the_minimum_the_record_says_new_dealer_instead_of_a_score():
    record = dealer_record(ten_on_time()[:9], as_of=AS_OF)
    assert record.is_new
    assert record.score is None
    assert record.summary == "New dealer — fewer than 10 sales"
    # The facts are still there to show.
    assert record.sales_scored == 9
    assert record.paid_on_time.count == 9


def test_the_minimum_counts_only_sales_whose_payment_was_due():
    # Nine sales paid, one won yesterday and not yet due: still new.
    record = dealer_record(ten_on_time()[:9] + [sale("fresh", at(2026, 6, 14))], as_of=AS_OF)
    assert (record.sales_won, record.sales_scored) == (10, 9)
    assert record.is_new


def test_at_the_minimum_the_score_is_shown_and_the_minimum_is_a_parameter():
    assert dealer_record(ten_on_time(), as_of=AS_OF).summary == "Score 100 of 100 from 10 sales in the last 12 months"
    record = dealer_record(ten_on_time()[:3], as_of=AS_OF, rules=DealerRecordRules(min_sales=3))
    assert not record.is_new and record.score == 100
    assert dealer_record(ten_on_time(), as_of=AS_OF, rules=DealerRecordRules(min_sales=25)).summary == (
        "New dealer — fewer than 25 sales")


def test_a_dealer_with_no_sales_is_new():
    record = dealer_record([], as_of=AS_OF)
    assert record.is_new and record.score is None and record.median_days_to_pay is None
    assert record.paid_on_time.value is None and record.paid_on_time.percent is None


# --- as of --------------------------------------------------------------------------------------------------------

def test_events_after_the_as_of_moment_have_not_happened_yet():
    s = sale("S", at(2026, 6, 1), paid_after=10 * DAY, collected_after=1 * DAY)  # paid 11 June, due 3 June
    before = dealer_record([s], as_of=at(2026, 6, 2))
    assert before.sales[0].scored is False and before.counted_against == ()
    overdue = dealer_record([s], as_of=at(2026, 6, 5))
    assert [e.kind for e in overdue.counted_against] == [CountedKind.UNPAID_PAST_DEADLINE]
    after = dealer_record([s], as_of=at(2026, 6, 12))
    assert [e.kind for e in after.counted_against] == [CountedKind.PAID_LATE]


def test_a_payment_exactly_at_the_deadline_is_on_time():
    s = sale("S", at(2026, 6, 1), pay_days=2, paid_after=2 * DAY, collected_after=1 * DAY)
    assert dealer_record([s], as_of=AS_OF).paid_on_time.value == 1


def test_median_days_to_pay_counts_each_sale_as_often_as_its_weight():
    sales = [sale("new", at(2026, 6, 1), paid_after=1 * DAY + 12 * HOUR),  # weight 12, 1.5 days
             sale("old1", at(2025, 7, 1), paid_after=5 * DAY),  # weight 1
             sale("old2", at(2025, 7, 2), paid_after=6 * DAY)]  # weight 1
    # Unweighted the median would be 5.0 days; weighted, the recent sale dominates.
    assert dealer_record(sales, as_of=AS_OF).median_days_to_pay == Decimal("1.5")


# --- determinism and input checks -----------------------------------------------------------------------------------

def test_the_record_does_not_depend_on_the_order_of_the_events():
    sales = dealer_example()
    first = dealer_record(sales, as_of=DEALER_AS_OF)
    for seed in range(5):
        shuffled = sales[:]
        random.Random(seed).shuffle(shuffled)
        assert dealer_record(shuffled, as_of=DEALER_AS_OF) == first


def test_inconsistent_events_are_refused():
    hammer = at(2026, 6, 1)
    with pytest.raises(ValueError):
        SaleEvents(sale_ref="x", hammer_at=hammer, payment_deadline=hammer, cancelled_at=hammer)
    with pytest.raises(ValueError):
        SaleEvents(sale_ref="x", hammer_at=hammer, payment_deadline=hammer, paid_at=hammer,
                   cancelled_at=hammer, cancel_reason=CancelReason.UNPAID)
    with pytest.raises(ValueError):
        AdjustmentEvent(requested_at=hammer, outcome=AdjustmentOutcome.ACCEPTED)
    with pytest.raises(ValueError):
        DisputeEvent(opened_at=hammer, resolved_at=hammer + timedelta(days=1))
    with pytest.raises(TypeError):
        DealerRecordRules(min_sales=2.5)  # type: ignore[arg-type]  # a float on purpose


# --- properties -------------------------------------------------------------------------------------------------------

@st.composite
def random_sale(draw, i):
    hammer = at(2025, 5, 1) + timedelta(hours=draw(st.integers(0, 24 * 420)))
    pay_days = draw(st.integers(1, 5))
    paid_after = draw(st.one_of(st.none(), st.integers(1, 24 * 12).map(lambda h: h * HOUR)))
    cancelled = None
    if paid_after is None and draw(st.booleans()):
        reason = draw(st.sampled_from(list(CancelReason)))
        cancelled = (hammer + timedelta(hours=draw(st.integers(1, 24 * 20))), reason)
    collected_after = draw(st.one_of(st.none(), st.integers(1, 24 * 10).map(lambda h: h * HOUR)))
    disputes = tuple(DisputeEvent(opened_at=hammer + 10 * DAY, outcome=outcome,
                                  resolved_at=None if outcome == DisputeOutcome.OPEN else hammer + 12 * DAY)
                     for outcome in draw(st.lists(st.sampled_from(list(DisputeOutcome)), max_size=2)))
    return sale(f"S{i}", hammer, pay_days=pay_days, paid_after=paid_after, collected_after=collected_after,
                cancelled=cancelled, disputes=disputes)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 16).flatmap(lambda n: st.tuples(*[random_sale(i) for i in range(n)])))
def test_the_score_and_the_listed_events_always_agree(sales):
    record = dealer_record(sales, as_of=AS_OF)
    scored = [line for line in record.sales if line.scored]
    assert record.sales_scored == len(scored) and record.sales_won == len(record.sales)
    assert all(1 <= line.weight <= 12 for line in record.sales)
    if scored:
        assert 0 <= record.score_exact <= 100
        lost = sum(line.weight * min(100, sum(d.points for d in line.deductions)) for line in scored)
        total = sum(line.weight for line in scored)
        assert record.score_exact == Fraction(100 * total - lost, total)
    assert record.is_new == (len(scored) < 10)
    # Every listed event belongs to a scored sale in the window, and every deduction is listed.
    assert sorted(record.counted_against, key=id) == sorted((d for line in scored for d in line.deductions), key=id)
    # Each scored sale's payment is exactly one of: on time, late, unpaid past the deadline, cancelled unpaid.
    payment_kinds = {CountedKind.PAID_LATE, CountedKind.UNPAID_PAST_DEADLINE, CountedKind.CANCELLED_UNPAID}
    late = sum(1 for e in record.counted_against if e.kind in payment_kinds)
    assert record.paid_on_time.count + late == len(scored)
