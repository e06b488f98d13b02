"""The exact arithmetic the insights methods share. No floats: integers and `Fraction`s until a value is shown.

Each rule here is the one the published methods (docs/methods.md) name:
- rounding: halves are rounded away from zero (2.5 -> 3, -2.5 -> -3), to a whole minor unit unless said otherwise;
- median: the middle value, or the exact mean of the two middle values;
- weighted median: the median of the list in which each value is written down as many times as its weight;
- quantile: Hyndman & Fan type 6, the one spreadsheets call PERCENTILE.EXC (clamped to the smallest/largest value);
- percentages are shown as whole per cent, rounded half up, except that a share which is not exactly 100 % is never
  shown as 100 % (and one that is not exactly 0 % never as 0 %): one late payment in 300 sales shows as 99 %;
- calendar months: a month index (year * 12 + month - 1) and "whole months between two dates" as people count them.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from core.text import name_key

__all__ = ["name_key"]  # the one matching rule (core.text): listings store it, the methods compare by it

Exact = int | Fraction

_MICROSECONDS_PER_DAY = 86_400 * 1_000_000


def require_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """Money and counts are ints; a float (or a bool) is refused loudly rather than rounded quietly."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def round_half_away(value: Exact) -> int:
    """The nearest integer; halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    value = Fraction(value)
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def median(values: Iterable[Exact]) -> Fraction:
    ordered = sorted(Fraction(v) for v in values)
    if not ordered:
        raise ValueError("median of no values")
    middle, odd = divmod(len(ordered), 2)
    if odd:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def weighted_median(pairs: Iterable[tuple[Exact, int]]) -> Fraction:
    """Median of the list in which each value appears `weight` times (integer weights, none negative)."""
    ordered = sorted((Fraction(v), require_int("weight", w, minimum=0)) for v, w in pairs)
    total = sum(w for _, w in ordered)
    if total == 0:
        raise ValueError("weighted median of no weight")

    def at(position: int) -> Fraction:  # 1-based position in the expanded list
        seen = 0
        for value, weight in ordered:
            seen += weight
            if seen >= position:
                return value
        raise AssertionError("position beyond the total weight")

    if total % 2:
        return at(total // 2 + 1)
    return (at(total // 2) + at(total // 2 + 1)) / 2


def quantile(values: Sequence[Exact], p: Fraction) -> Fraction:
    """Hyndman & Fan type 6 (PERCENTILE.EXC): position h = (n + 1) p in the sorted list, linear in between,
    clamped to the first and last value. Under exchangeability a new value falls between the type-6 quantiles
    p1 and p2 with probability close to p2 - p1, whatever n is — the reason this definition is used."""
    if not 0 <= p <= 1:
        raise ValueError("p must lie in [0, 1]")
    ordered = sorted(Fraction(v) for v in values)
    n = len(ordered)
    if n == 0:
        raise ValueError("quantile of no values")
    h = (n + 1) * Fraction(p)
    if h <= 1:
        return ordered[0]
    if h >= n:
        return ordered[-1]
    lower = math.floor(h)
    return ordered[lower - 1] + (h - lower) * (ordered[lower] - ordered[lower - 1])


def percent(share: Fraction) -> int:
    """A share as whole per cent for people: half up, but never 100 unless exact, never 0 unless exact."""
    share = Fraction(share)
    shown = round_half_away(share * 100)
    if shown >= 100 and share < 1:
        return 99
    if shown <= 0 < share:
        return 1
    return shown


def one_decimal(value: Exact) -> Decimal:
    """An exact value shown with one decimal, halves away from zero (for days)."""
    return Decimal(round_half_away(Fraction(value) * 10)).scaleb(-1)


def days_between(start: datetime, end: datetime) -> Fraction:
    """Exact days (fractional) from start to end."""
    return Fraction((end - start) // timedelta(microseconds=1), _MICROSECONDS_PER_DAY)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_label(index: int) -> str:
    year, month0 = divmod(index, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def whole_months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end, as people count them: from 15 January, one month has passed on
    15 February; from 31 January, on the last day of February. Negative when end is before start."""
    if end < start:
        return -whole_months_between(end, start)
    months = month_index(end) - month_index(start)
    anniversary_day = min(start.day, calendar.monthrange(end.year, end.month)[1])
    if end.day < anniversary_day:
        months -= 1
    return months
