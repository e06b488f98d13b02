"""The shared arithmetic: rounding, medians, quantiles, percentages and calendar months, against hand-worked values."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.numbers import (
    days_between,
    median,
    month_index,
    month_label,
    name_key,
    one_decimal,
    percent,
    quantile,
    require_int,
    round_half_away,
    weighted_median,
    whole_months_between,
)


@pytest.mark.parametrize(("value", "expected"), [
    (Fraction(5, 2), 3), (Fraction(-5, 2), -3), (Fraction(7, 3), 2), (Fraction(-7, 3), -2), (Fraction(8, 3), 3),
    (0, 0), (Fraction(1, 2), 1), (Fraction(-1, 2), -1), (Fraction(499, 1000), 0),
])
def test_halves_are_rounded_away_from_zero(value, expected):
    assert round_half_away(value) == expected


def test_median_of_an_odd_list_is_the_middle_and_of_an_even_list_the_exact_mean():
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == Fraction(5, 2)
    with pytest.raises(ValueError):
        median([])


def test_weighted_median_counts_each_value_as_often_as_its_weight():
    # 10 written 3 times, 20 once, 30 once: 10 10 10 20 30 -> 10
    assert weighted_median([(30, 1), (10, 3), (20, 1)]) == 10
    # 1 1 2 2 -> 1.5
    assert weighted_median([(1, 2), (2, 2)]) == Fraction(3, 2)
    # weight 0 is as if absent
    assert weighted_median([(100, 0), (7, 1)]) == 7


@given(st.lists(st.tuples(st.integers(-1000, 1000), st.integers(0, 5)), min_size=1).filter(
    lambda pairs: any(w for _, w in pairs)))
def test_weighted_median_equals_the_median_of_the_expanded_list(pairs):
    expanded = [v for v, w in pairs for _ in range(w)]
    assert weighted_median(pairs) == median(expanded)


def test_quantile_is_type_6_as_spreadsheets_percentile_exc():
    values = [15, 20, 35, 40, 50]
    # (n + 1) p = 1.5 -> halfway between the 1st and 2nd values; 4.5 -> between the 4th and 5th.
    assert quantile(values, Fraction(1, 4)) == Fraction(35, 2)
    assert quantile(values, Fraction(3, 4)) == 45
    assert quantile(values, Fraction(1, 2)) == 35
    # Clamped at the ends rather than extrapolated.
    assert quantile(values, Fraction(1, 100)) == 15
    assert quantile(values, Fraction(99, 100)) == 50


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=40), st.fractions(0, 1))
def test_quantiles_lie_within_the_values_and_do_not_depend_on_order(values, p):
    q = quantile(values, p)
    assert min(values) <= q <= max(values)
    assert quantile(list(reversed(values)), p) == q


def test_a_share_that_is_not_exactly_all_or_nothing_is_never_shown_as_100_or_0_percent():
    assert percent(Fraction(299, 300)) == 99
    assert percent(Fraction(1, 300)) == 1
    assert percent(Fraction(1)) == 100
    assert percent(Fraction(0)) == 0
    assert percent(Fraction(208, 212)) == 98
    assert percent(Fraction(1, 8)) == 13  # 12.5 -> 13


def test_days_are_exact_and_shown_with_one_decimal():
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert days_between(start, start + timedelta(days=1, hours=12)) == Fraction(3, 2)
    assert one_decimal(Fraction(3, 2)) == Decimal("1.5")
    assert one_decimal(Fraction(1, 20)) == Decimal("0.1")  # 0.05 -> 0.1, half away from zero


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2026, 1, 15), date(2026, 2, 14), 0),
    (date(2026, 1, 15), date(2026, 2, 15), 1),
    (date(2026, 1, 31), date(2026, 2, 27), 0),
    (date(2026, 1, 31), date(2026, 2, 28), 1),  # the last day of February completes the month from 31 January
    (date(2024, 2, 29), date(2025, 2, 28), 12),
    (date(2025, 6, 16), date(2026, 6, 15), 11),
    (date(2025, 6, 15), date(2026, 6, 15), 12),
    (date(2026, 6, 15), date(2026, 6, 15), 0),
])
def test_whole_months_are_counted_as_on_a_calendar(start, end, months):
    assert whole_months_between(start, end) == months


def test_month_index_and_label_round_trip():
    assert month_label(month_index(date(2026, 3, 31))) == "2026-03"
    assert month_index(date(2026, 1, 1)) - month_index(date(2025, 12, 31)) == 1


def test_money_and_counts_refuse_floats_and_bools():
    with pytest.raises(TypeError):
        require_int("hammer_minor", 1500.0)
    with pytest.raises(TypeError):
        require_int("hammer_minor", True)
    with pytest.raises(ValueError):
        require_int("k", 0, minimum=1)


def test_names_match_ignoring_case_and_spacing():
    assert name_key("  VW   Golf ") == name_key("vw golf")
