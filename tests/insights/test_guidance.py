"""Price guidance with hand-built comparables: choosing and widening, adjustments (defaults and estimates), the
range and its width, "not enough comparable sales", anonymity, exact integers and determinism."""

import dataclasses
import random
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.guidance import (
    GUIDANCE_METHOD,
    NOT_ENOUGH,
    CarSpec,
    ClosedSale,
    ComparableLine,
    GuidanceRules,
    price_guidance,
)
from tests.insights.examples import GUIDANCE_AS_OF, GUIDANCE_TARGET, guidance_example

AS_OF = date(2026, 6, 15)
TARGET = CarSpec("Volkswagen", "Golf", 2018, 90_000, "petrol", "manual", "B")


def comp(year=2018, km=90_000, grade="B", hammer=1_400_000, month=(2026, 5), fuel="petrol", gearbox="manual",
         make="Volkswagen", model="Golf", ref=""):
    return ClosedSale(CarSpec(make, model, year, km, fuel, gearbox, grade), hammer, date(month[0], month[1], 1),
                      ref=ref or f"{make}-{model}-{year}-{km}-{grade}-{hammer}-{month}-{fuel}-{gearbox}")


def same(n, **kw):
    return [comp(hammer=1_400_000 + 1_000 * i, ref=f"{kw}-{i}", **kw) for i in range(n)]


# --- not enough ---------------------------------------------------------------------------------------------------

def test_too_few_comparables_says_not_enough_and_lists_none():
    result = price_guidance(TARGET, same(4), as_of=AS_OF)
    assert not result.enough
    assert result.message == NOT_ENOUGH == "Not enough comparable sales"
    assert result.comparables == ()
    assert (result.low_minor, result.typical_minor, result.high_minor, result.width_minor) == (None,) * 4
    # It says how far it looked: every step tried, with what each found.
    assert [s.comparables for s in result.steps_tried] == [4, 4, 4, 4]


def test_no_sales_at_all_is_not_enough():
    assert price_guidance(TARGET, [], as_of=AS_OF).message == NOT_ENOUGH


def test_the_minimum_number_of_comparables_is_a_parameter():
    assert price_guidance(TARGET, same(4), as_of=AS_OF, rules=GuidanceRules(min_comparables=4)).enough
    assert not price_guidance(TARGET, same(7), as_of=AS_OF, rules=GuidanceRules(min_comparables=8)).enough


# --- choosing comparables and widening --------------------------------------------------------------------------

def test_the_first_step_with_enough_comparables_is_used_and_nothing_wider_is_mixed_in():
    pool = same(5) + same(3, year=2020) + same(3, gearbox="automatic")
    result = price_guidance(TARGET, pool, as_of=AS_OF)
    assert result.step == 1
    assert len(result.comparables) == 5
    assert result.step_description == ("same make and model, registered within 1 year, same fuel, same gearbox, "
                                       "mileage within 40,000 km")


@pytest.mark.parametrize(("extra", "step"), [
    ({"year": 2016}, 2),  # two years apart: step 2
    ({"km": 145_000}, 2),  # 55,000 km apart: step 2
    ({"gearbox": "automatic"}, 3),  # other gearbox: step 3
    ({"gearbox": "automatic", "year": 2020}, 3),
    ({"fuel": "diesel"}, 4),  # other fuel: only at step 4
    ({"year": 2015}, 4),  # three years apart: step 4
    ({"km": 165_000}, 4),  # 75,000 km apart: step 4
])
def test_the_search_widens_in_the_published_steps(extra, step):
    result = price_guidance(TARGET, same(3) + same(2, **extra), as_of=AS_OF)
    assert result.step == step
    assert len(result.comparables) == 5
    assert [s.comparables for s in result.steps_tried][-1] == 5
    assert len(result.steps_tried) == step


@pytest.mark.parametrize("extra", [{"year": 2014}, {"km": 175_000}, {"model": "Polo"}, {"make": "Seat"}])
def test_beyond_the_last_step_and_other_models_never_count(extra):
    assert price_guidance(TARGET, same(3) + same(5, **extra), as_of=AS_OF).message == NOT_ENOUGH


def test_make_and_model_match_ignoring_case_and_spacing():
    assert price_guidance(TARGET, same(5, make=" volkswagen", model="GOLF "), as_of=AS_OF).enough


def test_an_unknown_fuel_or_gearbox_on_the_target_matches_any():
    target = dataclasses.replace(TARGET, fuel="", transmission="")
    result = price_guidance(target, same(3, fuel="diesel") + same(2, gearbox="automatic"), as_of=AS_OF)
    assert result.step == 1


def test_only_the_twelve_months_up_to_the_as_of_month_count():
    pool = same(3, month=(2025, 7)) + same(2, month=(2026, 6))  # July 2025 .. June 2026: 12 months
    assert price_guidance(TARGET, pool, as_of=AS_OF).enough
    older = same(3, month=(2025, 6)) + same(2, month=(2026, 6))
    assert price_guidance(TARGET, older, as_of=AS_OF).message == NOT_ENOUGH
    future = same(3) + same(2, month=(2026, 7))
    assert price_guidance(TARGET, future, as_of=AS_OF).message == NOT_ENOUGH
    assert price_guidance(TARGET, older, as_of=AS_OF, rules=GuidanceRules(lookback_months=13)).enough


def test_the_closest_comparables_are_kept_up_to_the_maximum():
    pool = (same(10, km=130_000) + same(10, km=60_000) + same(10, km=95_000) + same(10, year=2019, km=90_000))
    result = price_guidance(TARGET, pool, as_of=AS_OF, rules=GuidanceRules(max_comparables=12))
    # Same year first, then the nearest mileage: the ten at 95,000 km, then two at 60,000 or 130,000 (nearer: 60,000
    # is 30,000 away and 130,000 is 40,000 away).
    assert sorted(c.mileage_km for c in result.comparables) == [60_000] * 2 + [95_000] * 10


def test_a_graded_target_uses_only_graded_comparables_and_an_ungraded_one_ignores_grades():
    pool = same(3) + same(3, grade=None)
    assert price_guidance(TARGET, pool, as_of=AS_OF).message == NOT_ENOUGH
    ungraded = dataclasses.replace(TARGET, grade=None)
    result = price_guidance(ungraded, same(3, grade="A") + same(2, grade="E"), as_of=AS_OF)
    assert result.enough
    grade_rate = next(r for r in result.rates if r.name == "grade")
    assert (grade_rate.source, grade_rate.amount_minor) == ("not used", None)
    assert all(c.grade_adjustment_minor == 0 for c in result.comparables)


def test_an_unknown_target_mileage_is_not_adjusted_for_and_sets_no_mileage_limit():
    target = dataclasses.replace(TARGET, mileage_km=None)
    result = price_guidance(target, same(3, km=10_000) + same(2, km=None), as_of=AS_OF)
    assert result.enough
    km_rate = next(r for r in result.rates if r.name == "mileage")
    assert km_rate.source == "not used"
    assert all(c.km_adjustment_minor == 0 for c in result.comparables)
    # A known target mileage cannot be compared with an unknown one.
    assert price_guidance(TARGET, same(5, km=None), as_of=AS_OF).message == NOT_ENOUGH


# --- adjustments ----------------------------------------------------------------------------------------------------

def test_with_few_pairs_the_default_rates_apply_as_shares_of_the_median_hammer_price():
    result = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF)
    rates = {r.name: (r.amount_minor, r.source, r.pairs) for r in result.rates}
    # Median hammer of the six comparables: (13,300 + 14,100) / 2 = 13,700.00.
    assert rates == {"mileage": (27_400, "default", 1), "year": (109_600, "default", 5),
                     "grade": (82_200, "default", 9)}


def test_each_comparable_is_adjusted_to_the_target_and_the_adjustments_add_up():
    result = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF)
    by_car = {(c.year, c.mileage_km, c.grade): c for c in result.comparables}
    # 2017, 120,000 km, B -> 2018, 95,000 km, B: 25,000 km more (+2.5 x 274.00) and one year older (+1,096.00).
    older = by_car[(2017, 120_000, "B")]
    assert (older.km_adjustment_minor, older.year_adjustment_minor, older.grade_adjustment_minor) == (
        68_500, 109_600, 0)
    # 2019, 70,000 km, A: 25,000 km fewer, a year newer, a grade better -> all three down.
    better = by_car[(2019, 70_000, "A")]
    assert (better.km_adjustment_minor, better.year_adjustment_minor, better.grade_adjustment_minor) == (
        -68_500, -109_600, -82_200)
    for c in result.comparables:
        assert c.adjusted_minor == (c.hammer_minor + c.km_adjustment_minor + c.year_adjustment_minor
                                    + c.grade_adjustment_minor)


def test_rates_are_estimated_from_the_comparables_and_recover_a_known_linear_market_exactly():
    # Prices follow a known rule exactly: +1,500.00 per year newer, -250.00 per 10,000 km, -900.00 per grade step.
    def price(year, km, grade):
        return 2_005_000 + 150_000 * (year - 2015) - 25_000 * km // 10_000 - 90_000 * "ABCDE".index(grade)
    pool = [comp(year=y, km=km, grade=g, hammer=price(y, km, g))
            for y in (2017, 2018, 2019) for km in (60_000, 80_000, 100_000, 120_000) for g in "ABC"]
    result = price_guidance(TARGET, pool, as_of=AS_OF)
    rates = {r.name: (r.amount_minor, r.source) for r in result.rates}
    assert rates == {"mileage": (25_000, "estimated"), "year": (150_000, "estimated"),
                     "grade": (90_000, "estimated")}
    # Every comparable, adjusted, is worth exactly what the rule says the target is worth: a range of zero width.
    truth = price(2018, 90_000, "B")
    assert {c.adjusted_minor for c in result.comparables} == {truth}
    assert (result.low_minor, result.typical_minor, result.high_minor, result.width_minor) == (truth,) * 3 + (0,)


def test_a_rate_the_comparables_estimate_the_wrong_way_round_falls_back_to_the_default():
    # Within each year, the cars with more kilometres sold for more (noise): the mileage estimate is negative.
    pool = [comp(year=y, km=km, hammer=1_000_000 + km // 10, ref=f"{y}-{km}")
            for y in (2017, 2018, 2019) for km in (70_000, 80_000, 90_000, 100_000, 110_000)]
    result = price_guidance(TARGET, pool, as_of=AS_OF)
    mileage = next(r for r in result.rates if r.name == "mileage")
    assert mileage.source == "default" and mileage.pairs == 30
    assert "wrong way" in mileage.note
    assert mileage.amount_minor == 2 * 1_009_000 // 100  # 2 % of the median hammer


def test_the_minimum_number_of_pairs_is_a_parameter():
    result = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF,
                            rules=GuidanceRules(min_pairs=5))
    assert {r.name: r.source for r in result.rates} == {"mileage": "default", "year": "estimated",
                                                        "grade": "estimated"}


def test_a_comparable_adjusted_to_nothing_or_less_is_left_out():
    # An absurd default mileage rate (90 % of the price per 10,000 km) drives the three cars with 35,000 km
    # fewer than the target below zero.
    target = dataclasses.replace(TARGET, mileage_km=125_000)
    pool = same(3, km=90_000) + same(5, km=125_000)
    rules = GuidanceRules(default_km_bp=9_000, min_pairs=100)
    result = price_guidance(target, pool, as_of=AS_OF, rules=rules)
    assert result.enough
    assert result.excluded_non_positive == 3
    assert {c.mileage_km for c in result.comparables} == {125_000}
    too_few = price_guidance(target, same(3, km=90_000) + same(4, km=125_000), as_of=AS_OF, rules=rules)
    assert too_few.message == NOT_ENOUGH and too_few.comparables == () and too_few.excluded_non_positive == 3


# --- the range ------------------------------------------------------------------------------------------------------

def test_the_range_is_the_type_6_quartiles_of_the_adjusted_prices_rounded_outwards():
    result = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF)
    adjusted = sorted(c.adjusted_minor for c in result.comparables)
    assert adjusted == [1_336_700, 1_338_100, 1_343_700, 1_363_300, 1_368_900, 1_429_700]
    # 25th percentile: position 7 x 1/4 = 1.75 -> 1,336,700 + 0.75 x 1,400 = 1,337,750 -> down to 13,300.00.
    # 75th percentile: position 5.25 -> 1,368,900 + 0.25 x 60,800 = 1,384,100 -> up to 13,900.00.
    assert (result.low_minor, result.high_minor) == (1_330_000, 1_390_000)
    # Typical: the median 1,353,500 to the nearest 100.00.
    assert result.typical_minor == 1_350_000
    assert result.width_minor == 60_000
    assert result.width_bp == 444  # 600 / 13,500 = 4.44 %


def test_the_range_quantiles_and_the_rounding_step_are_parameters():
    rules = GuidanceRules(low_quantile=Fraction(1, 10), high_quantile=Fraction(9, 10), rounding_minor=1)
    result = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF, rules=rules)
    # 7 x 0.1 = 0.7 and 7 x 0.9 = 6.3: clamped to the smallest and the largest adjusted price.
    assert (result.low_minor, result.high_minor) == (1_336_700, 1_429_700)
    assert result.typical_minor == 1_353_500


def test_the_range_always_contains_the_typical_price_and_has_a_non_negative_width():
    rng = random.Random(7)
    for _ in range(50):
        pool = [comp(year=rng.randint(2016, 2020), km=rng.randrange(50_000, 130_000, 1_000),
                     grade=rng.choice("ABCDE"), hammer=rng.randint(500_000, 2_500_000), ref=str(i))
                for i in range(rng.randint(5, 40))]
        result = price_guidance(TARGET, pool, as_of=AS_OF)
        if result.enough:
            assert result.low_minor <= result.typical_minor <= result.high_minor
            assert result.width_minor == result.high_minor - result.low_minor >= 0


# --- what is shown, exactness and determinism ----------------------------------------------------------------------

def test_comparables_are_anonymised_to_year_km_grade_hammer_and_month_with_their_adjustments():
    assert [f.name for f in dataclasses.fields(ComparableLine)] == [
        "year", "mileage_km", "grade", "hammer_minor", "month", "km_adjustment_minor", "year_adjustment_minor",
        "grade_adjustment_minor", "adjusted_minor"]
    result = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF)
    assert {c.month for c in result.comparables} == {"2025-11", "2025-12", "2026-02", "2026-03", "2026-04",
                                                     "2026-05"}
    assert result.method == GUIDANCE_METHOD


def test_all_money_in_the_result_is_integer_minor_units():
    result = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF)
    money = [result.low_minor, result.typical_minor, result.high_minor, result.width_minor]
    money += [r.amount_minor for r in result.rates]
    money += [getattr(c, f.name) for c in result.comparables for f in dataclasses.fields(c)
              if f.name.endswith("_minor")]
    assert all(type(m) is int for m in money)


def test_a_float_price_is_refused():
    with pytest.raises(TypeError):
        ClosedSale(TARGET, 1_400_000.0, date(2026, 5, 1))  # type: ignore[arg-type]  # a float on purpose
    with pytest.raises(ValueError):
        CarSpec("Volkswagen", "Golf", 2018, 90_000, grade="F")


def test_the_same_sales_in_any_order_give_the_same_guidance():
    rng = random.Random(11)
    pool = []
    for i in range(80):
        year, km, grade = rng.randint(2016, 2020), rng.randrange(50_000, 130_000, 1_000), rng.choice("ABCDE")
        hammer = (1_500_000 + 120_000 * (year - 2018) - 30_000 * (km - 90_000) // 10_000
                  - 80_000 * "ABCDE".index(grade) + rng.randint(-60_000, 60_000))
        pool.append(comp(year=year, km=km, grade=grade, hammer=hammer, month=(2026, rng.randint(1, 6)), ref=str(i)))
    first = price_guidance(TARGET, pool, as_of=AS_OF)
    assert first.enough and {r.source for r in first.rates} == {"estimated"}
    for seed in range(5):
        random.Random(seed).shuffle(pool)
        assert price_guidance(TARGET, pool, as_of=AS_OF) == first


# --- properties -------------------------------------------------------------------------------------------------------

@st.composite
def closed_sales(draw):
    return comp(year=draw(st.integers(2013, 2023)), km=draw(st.one_of(st.none(), st.integers(0, 250_000))),
                grade=draw(st.sampled_from([None, *"ABCDE"])), hammer=draw(st.integers(1, 5_000_000)),
                month=(draw(st.sampled_from([2025, 2026])), draw(st.integers(1, 12))),
                fuel=draw(st.sampled_from(["petrol", "diesel"])),
                gearbox=draw(st.sampled_from(["manual", "automatic"])), model=draw(st.sampled_from(["Golf", "Polo"])),
                ref=str(draw(st.integers(0, 10**6))))


@settings(max_examples=150, deadline=None)
@given(st.lists(closed_sales(), max_size=60), st.sampled_from([None, *"ABCDE"]),
       st.one_of(st.none(), st.integers(0, 250_000)))
def test_guidance_keeps_its_promises_for_any_history(pool, grade, km):
    target = dataclasses.replace(TARGET, grade=grade, mileage_km=km)
    result = price_guidance(target, pool, as_of=AS_OF)
    if not result.enough:
        assert result.comparables == () and result.low_minor is None and result.message == NOT_ENOUGH
        return
    rules = result.rules
    step = rules.steps[result.step - 1]
    assert rules.min_comparables <= len(result.comparables) <= rules.max_comparables
    # Every comparable satisfies the step that was used.
    for c in result.comparables:
        assert abs(c.year - target.year) <= step.year_band
        assert km is None or abs(c.mileage_km - km) <= step.max_km_difference
        assert grade is None or c.grade is not None
        assert "2025-07" <= c.month <= "2026-06"
        assert c.adjusted_minor > 0
    # No earlier step had enough.
    assert all(t.comparables < rules.min_comparables for t in result.steps_tried[:-1])
    assert 0 <= result.low_minor <= result.typical_minor <= result.high_minor
    assert result.low_minor % rules.rounding_minor == result.high_minor % rules.rounding_minor == 0
    adjusted = [c.adjusted_minor for c in result.comparables]
    assert result.low_minor <= max(adjusted) and result.high_minor >= min(adjusted)
