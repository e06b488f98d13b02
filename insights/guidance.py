"""Price guidance from comparable closed auctions ("guidance-v1"), and its backtest. Pure functions.

The method in words, with a worked example, is docs/methods.md ("Price guidance"). In short:
1. Comparables: sold auctions of the same make and model closed in the 12 calendar months up to the as-of month,
   chosen by the first widening step (year band, fuel, gearbox, mileage distance) that yields enough of them;
   the closest 30 (by year, then mileage, then the most recent) are kept.
2. Each comparable's hammer price is adjusted to the target car for mileage (per 10,000 km), registration year
   (per year) and grade (per grade step). Each rate is the median of the pairwise price differences between
   comparables that differ only in that respect (Theil–Sen), estimated in that order; with fewer than 10 such
   pairs, or an estimate pointing the wrong way, the published default (a share of the comparables' median
   hammer price) is used instead.
3. The range is the 25th to the 75th percentile (type 6) of the adjusted prices, rounded outwards to 100 major
   units (10,000 minor units); the typical price is their median, rounded to the nearest 100.
Integers and exact fractions throughout; every rounding is half away from zero unless stated (the range is
rounded outwards). Identical inputs, in any order, give identical output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from itertools import combinations
from typing import Any, cast

from insights.numbers import median, month_index, month_label, name_key, quantile, require_int, round_half_away
from insights.wording import Wording, translatable

GUIDANCE_METHOD = "guidance-v1"
GRADES = "ABCDE"
NOT_ENOUGH = translatable("Not enough comparable sales")


@dataclass(frozen=True)
class CarSpec:
    make: str
    model: str
    year: int  # first registration
    mileage_km: int | None
    fuel: str = ""
    transmission: str = ""
    grade: str | None = None  # A–E once inspected

    def __post_init__(self):
        require_int("year", self.year)
        if self.mileage_km is not None:
            require_int("mileage_km", self.mileage_km, minimum=0)
        if self.grade is not None and (len(self.grade) != 1 or self.grade not in GRADES):
            raise ValueError(f"grade must be one of {', '.join(GRADES)} or None, got {self.grade!r}")
        if not name_key(self.make) or not name_key(self.model):
            raise ValueError("make and model are required")


@dataclass(frozen=True)
class ClosedSale:
    """A sold auction. `ref` only orders ties; it is never shown. Only the year and month of `closed_month` count."""

    car: CarSpec
    hammer_minor: int
    closed_month: date
    ref: str = ""

    def __post_init__(self):
        require_int("hammer_minor", self.hammer_minor, minimum=1)

    @property
    def month(self) -> int:
        return month_index(self.closed_month)


@dataclass(frozen=True)
class WideningStep:
    year_band: int  # registered within this many years of the target
    same_fuel: bool
    same_transmission: bool
    max_km_difference: int

    @property
    def description(self) -> Wording:
        if self.year_band == 0:
            years = translatable("the same year")
        elif self.year_band == 1:
            years = translatable("within 1 year")
        else:
            years = translatable("within {years} years", years=self.year_band)
        return translatable(
            "same make and model, registered {years}, {fuel}, {gearbox}, mileage within {km:,} km", years=years,
            fuel=translatable("same fuel") if self.same_fuel else translatable("any fuel"),
            gearbox=translatable("same gearbox") if self.same_transmission else translatable("any gearbox"),
            km=self.max_km_difference)


DEFAULT_STEPS = (
    WideningStep(year_band=1, same_fuel=True, same_transmission=True, max_km_difference=40_000),
    WideningStep(year_band=2, same_fuel=True, same_transmission=True, max_km_difference=60_000),
    WideningStep(year_band=2, same_fuel=True, same_transmission=False, max_km_difference=60_000),
    WideningStep(year_band=3, same_fuel=False, same_transmission=False, max_km_difference=80_000),
)


@dataclass(frozen=True)
class GuidanceRules:
    """The published parameters of price guidance (defaults are the ones on the rules page)."""

    min_comparables: int = 5
    max_comparables: int = 30
    lookback_months: int = 12
    steps: tuple[WideningStep, ...] = DEFAULT_STEPS
    low_quantile: Fraction = Fraction(1, 4)
    high_quantile: Fraction = Fraction(3, 4)
    min_pairs: int = 10  # pairs needed to estimate a rate from the comparables
    km_pair_min_difference: int = 5_000  # pairs closer than this in mileage say little about mileage
    default_km_bp: int = 200  # per 10,000 km: 2.00 % of the comparables' median hammer price
    default_year_bp: int = 800  # per year of registration: 8.00 %
    default_grade_bp: int = 600  # per grade step: 6.00 %
    rounding_minor: int = 10_000  # the range is shown in steps of 100 major units (2-decimal currencies)

    def __post_init__(self):
        require_int("min_comparables", self.min_comparables, minimum=1)
        require_int("max_comparables", self.max_comparables, minimum=self.min_comparables)
        require_int("lookback_months", self.lookback_months, minimum=1)
        require_int("min_pairs", self.min_pairs, minimum=1)
        require_int("km_pair_min_difference", self.km_pair_min_difference, minimum=1)
        require_int("rounding_minor", self.rounding_minor, minimum=1)
        for name in ("default_km_bp", "default_year_bp", "default_grade_bp"):
            require_int(name, getattr(self, name), minimum=0)
        if not self.steps:
            raise ValueError("at least one widening step is needed")
        if not (0 < self.low_quantile < self.high_quantile < 1):
            raise ValueError("need 0 < low_quantile < high_quantile < 1")


@dataclass(frozen=True)
class ComparableLine:
    """One comparable as shown: anonymised (no make/model/VIN/people — the step says how it matched)."""

    year: int
    mileage_km: int | None
    grade: str | None
    hammer_minor: int
    month: str  # "2026-03"
    km_adjustment_minor: int
    year_adjustment_minor: int
    grade_adjustment_minor: int
    adjusted_minor: int


@dataclass(frozen=True)
class AdjustmentRate:
    name: str  # "mileage", "year", "grade"
    per: str  # "10,000 km", "year", "grade step"
    amount_minor: int | None  # None: not used for this car
    source: str  # "estimated", "default", "not used"
    pairs: int  # comparable pairs the estimate could use
    note: Wording


@dataclass(frozen=True)
class StepTried:
    description: Wording
    comparables: int


@dataclass(frozen=True)
class Guidance:
    method: str
    enough: bool
    message: Wording
    target: CarSpec
    as_of_month: str
    rules: GuidanceRules
    steps_tried: tuple[StepTried, ...]
    step: int | None = None  # 1-based index of the step used
    step_description: Wording = Wording("")
    comparables: tuple[ComparableLine, ...] = ()
    rates: tuple[AdjustmentRate, ...] = ()
    low_minor: int | None = None
    typical_minor: int | None = None
    high_minor: int | None = None
    width_minor: int | None = None
    width_bp: int | None = None  # the width as a share of the typical price, in basis points
    excluded_non_positive: int = 0


def _floor_to(value: Fraction, unit: int) -> int:
    return (value // unit) * unit


def _ceil_to(value: Fraction, unit: int) -> int:
    return -((-value) // unit) * unit


def _round_to(value: Fraction, unit: int) -> int:
    return round_half_away(value / unit) * unit


def _matches(step: WideningStep, target: CarSpec, sale: ClosedSale) -> bool:
    car = sale.car
    if abs(car.year - target.year) > step.year_band:
        return False
    if step.same_fuel and target.fuel.strip() and name_key(car.fuel) != name_key(target.fuel):
        return False
    if step.same_transmission and target.transmission.strip() and (
            name_key(car.transmission) != name_key(target.transmission)):
        return False
    if target.mileage_km is not None:
        if car.mileage_km is None or abs(car.mileage_km - target.mileage_km) > step.max_km_difference:
            return False
    if target.grade is not None and car.grade is None:
        return False
    return True


def _closeness(target: CarSpec) -> Callable[[ClosedSale], tuple]:
    def key(sale: ClosedSale) -> tuple:
        car = sale.car
        # With the target's mileage known, _matches keeps only cars whose mileage is known.
        km = abs(cast(int, car.mileage_km) - target.mileage_km) if target.mileage_km is not None else 0
        return (abs(car.year - target.year), km, -sale.month, sale.hammer_minor, car.year, car.mileage_km or 0,
                car.grade or "", name_key(car.fuel), name_key(car.transmission), sale.ref)
    return key


def _pairs(n: int) -> Wording:
    return translatable("1 comparable pair") if n == 1 else translatable("{n} comparable pairs", n=n)


def _estimate(slopes: list[Fraction], *, min_pairs: int, default: int, name: str, per: str) -> AdjustmentRate:
    if len(slopes) < min_pairs:
        return AdjustmentRate(name=name, per=per, amount_minor=default, source="default", pairs=len(slopes),
                              note=translatable("{pairs} (need {min_pairs}): default used", pairs=_pairs(len(slopes)),
                                                min_pairs=min_pairs))
    estimate = round_half_away(median(slopes))
    if estimate <= 0:
        return AdjustmentRate(name=name, per=per, amount_minor=default, source="default", pairs=len(slopes),
                              note=translatable("the comparables pointed the wrong way (noise): default used"))
    return AdjustmentRate(name=name, per=per, amount_minor=estimate, source="estimated", pairs=len(slopes),
                          note=translatable("median of {pairs}", pairs=_pairs(len(slopes))))


def _not_used(name: str, per: str, why: Wording) -> AdjustmentRate:
    return AdjustmentRate(name=name, per=per, amount_minor=None, source="not used", pairs=0, note=why)


def price_guidance(target: CarSpec, comparables: Iterable[ClosedSale], *, as_of: date,
                   rules: GuidanceRules = GuidanceRules()) -> Guidance:
    """The expected price range for `target` from sold auctions closed in the lookback months up to `as_of`."""
    last = month_index(as_of)
    first = last - rules.lookback_months + 1
    make, model = name_key(target.make), name_key(target.model)
    pool = [s for s in comparables if first <= s.month <= last
            and name_key(s.car.make) == make and name_key(s.car.model) == model]
    base: dict[str, Any] = {"method": GUIDANCE_METHOD, "target": target, "as_of_month": month_label(last),
                            "rules": rules}

    tried: list[StepTried] = []
    chosen: list[ClosedSale] = []
    step_no = None
    for number, step in enumerate(rules.steps, start=1):
        matching = [s for s in pool if _matches(step, target, s)]
        tried.append(StepTried(description=step.description, comparables=len(matching)))
        if len(matching) >= rules.min_comparables:
            chosen = sorted(matching, key=_closeness(target))[: rules.max_comparables]
            step_no = number
            break
    if step_no is None:
        return Guidance(enough=False, message=NOT_ENOUGH, steps_tried=tuple(tried), **base)

    median_hammer = median(s.hammer_minor for s in chosen)

    def default(bp: int) -> int:
        return round_half_away(median_hammer * bp / 10_000)

    use_grade = target.grade is not None
    grade_of = {g: i for i, g in enumerate(GRADES)}

    n = len(chosen)
    cars = [s.car for s in chosen]
    hammers = [s.hammer_minor for s in chosen]
    pairs = list(combinations(range(n), 2))

    def same_grade(i: int, j: int) -> bool:
        return not use_grade or cars[i].grade == cars[j].grade

    # 1. Mileage: pairs of the same year (and grade) whose mileage differs; price change per 10,000 km more.
    if target.mileage_km is None:
        km_rate = _not_used("mileage", "10,000 km", translatable("the car's mileage is not known"))
        km_adj = [0] * n
    else:
        target_km = target.mileage_km
        kms = cast(list[int], [car.mileage_km for car in cars])  # _matches kept only cars with a known mileage
        slopes = [Fraction((hammers[i] - hammers[j]) * 10_000, kms[j] - kms[i])
                  for i, j in pairs if cars[i].year == cars[j].year and same_grade(i, j)
                  and abs(kms[i] - kms[j]) >= rules.km_pair_min_difference]
        km_rate = _estimate(slopes, min_pairs=rules.min_pairs, default=default(rules.default_km_bp),
                            name="mileage", per="10,000 km")
        assert km_rate.amount_minor is not None  # an estimate always has an amount
        km_adj = [round_half_away(Fraction(km_rate.amount_minor * (km - target_km), 10_000)) for km in kms]

    # 2. Year: mileage-adjusted prices of pairs (of the same grade) registered in different years; per year newer.
    after_km = [hammers[i] + km_adj[i] for i in range(n)]
    slopes = [Fraction(after_km[i] - after_km[j], cars[i].year - cars[j].year)
              for i, j in pairs if cars[i].year != cars[j].year and same_grade(i, j)]
    year_rate = _estimate(slopes, min_pairs=rules.min_pairs, default=default(rules.default_year_bp),
                          name="year", per="year")
    assert year_rate.amount_minor is not None  # an estimate always has an amount
    year_adj = [year_rate.amount_minor * (target.year - car.year) for car in cars]

    # 3. Grade: mileage- and year-adjusted prices of pairs with different grades; per grade step better.
    if target.grade is None:  # not use_grade
        grade_rate = _not_used("grade", "grade step",
                               translatable("the car is not inspected yet, so grades are not compared"))
        grade_adj = [0] * n
    else:
        after_year = [after_km[i] + year_adj[i] for i in range(n)]
        grades = cast(list[str], [car.grade for car in cars])  # _matches kept only graded cars
        slopes = [Fraction(after_year[i] - after_year[j], grade_of[grades[j]] - grade_of[grades[i]])
                  for i, j in pairs if grades[i] != grades[j]]
        grade_rate = _estimate(slopes, min_pairs=rules.min_pairs, default=default(rules.default_grade_bp),
                               name="grade", per="grade step")
        assert grade_rate.amount_minor is not None  # an estimate always has an amount
        grade_adj = [grade_rate.amount_minor * (grade_of[grade] - grade_of[target.grade]) for grade in grades]

    lines = [ComparableLine(year=s.car.year, mileage_km=s.car.mileage_km, grade=s.car.grade,
                            hammer_minor=s.hammer_minor, month=month_label(s.month), km_adjustment_minor=km_adj[i],
                            year_adjustment_minor=year_adj[i], grade_adjustment_minor=grade_adj[i],
                            adjusted_minor=s.hammer_minor + km_adj[i] + year_adj[i] + grade_adj[i])
             for i, s in enumerate(chosen)]
    # A comparable adjusted to nothing or less is too different to say anything about this car.
    usable = [line for line in lines if line.adjusted_minor > 0]
    rates = (km_rate, year_rate, grade_rate)
    common: dict[str, Any] = {"steps_tried": tuple(tried), "step": step_no,
                              "step_description": rules.steps[step_no - 1].description,
                              "rates": rates, "excluded_non_positive": len(lines) - len(usable), **base}
    if len(usable) < rules.min_comparables:
        return Guidance(enough=False, message=NOT_ENOUGH, **common)

    prices = [line.adjusted_minor for line in usable]
    unit = rules.rounding_minor
    low = max(0, _floor_to(quantile(prices, rules.low_quantile), unit))
    high = _ceil_to(quantile(prices, rules.high_quantile), unit)
    typical = _round_to(median(prices), unit)
    width = high - low
    return Guidance(enough=True, message=translatable("Based on {n} comparable sales", n=len(usable)),
                    comparables=tuple(usable),
                    low_minor=low, typical_minor=typical, high_minor=high, width_minor=width,
                    width_bp=round_half_away(Fraction(width * 10_000, typical)) if typical else None, **common)


# ---------------------------------------------------------------------------------------------------------------
# Backtest


@dataclass(frozen=True)
class BacktestMonth:
    month: str
    sales: int
    guided: int
    not_enough: int
    inside: int


@dataclass(frozen=True)
class BacktestResult:
    method: str
    rules: GuidanceRules
    sales: int
    guided: int
    not_enough: int
    inside: int
    inside_share: Fraction | None  # of guided sales, the share whose hammer price fell inside the shown range
    median_ape: Fraction | None  # median of |typical - hammer| / hammer over guided sales
    median_width_bp: Fraction | None
    months: tuple[BacktestMonth, ...] = field(default=())


def backtest(history: Iterable[ClosedSale], *, rules: GuidanceRules = GuidanceRules()) -> BacktestResult:
    """Replay the history month by month: each sale's guidance is computed only from sales closed in earlier
    months (the lookback months before its own), as a seller would have seen it."""
    by_model: dict[tuple[str, str], list[ClosedSale]] = defaultdict(list)
    by_month: dict[int, list[ClosedSale]] = defaultdict(list)
    for sale in history:
        by_model[(name_key(sale.car.make), name_key(sale.car.model))].append(sale)
        by_month[sale.month].append(sale)

    errors: list[Fraction] = []
    widths: list[Fraction] = []
    months: list[BacktestMonth] = []
    total = guided = not_enough = inside = 0
    for month in sorted(by_month):
        previous = month - 1
        as_of = date(previous // 12, previous % 12 + 1, 1)
        sales = sorted(by_month[month], key=lambda s: (name_key(s.car.make), name_key(s.car.model), s.car.year,
                                                       s.car.mileage_km or 0, s.hammer_minor, s.ref))
        m_guided = m_not = m_inside = 0
        for sale in sales:
            candidates = [c for c in by_model[(name_key(sale.car.make), name_key(sale.car.model))]
                          if c.month < month]
            result = price_guidance(sale.car, candidates, as_of=as_of, rules=rules)
            if not result.enough:
                m_not += 1
                continue
            m_guided += 1
            # Enough comparables: the range and the typical price are there.
            assert result.low_minor is not None and result.high_minor is not None and result.typical_minor is not None
            if result.low_minor <= sale.hammer_minor <= result.high_minor:
                m_inside += 1
            errors.append(Fraction(abs(result.typical_minor - sale.hammer_minor), sale.hammer_minor))
            if result.width_bp is not None:
                widths.append(Fraction(result.width_bp))
        months.append(BacktestMonth(month=month_label(month), sales=len(sales), guided=m_guided,
                                    not_enough=m_not, inside=m_inside))
        total += len(sales)
        guided += m_guided
        not_enough += m_not
        inside += m_inside
    return BacktestResult(method=GUIDANCE_METHOD, rules=rules, sales=total, guided=guided, not_enough=not_enough,
                          inside=inside, inside_share=Fraction(inside, guided) if guided else None,
                          median_ape=median(errors) if errors else None,
                          median_width_bp=median(widths) if widths else None, months=tuple(months))
