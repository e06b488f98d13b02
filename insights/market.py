"""Open market data ("market-v1"): closed auctions aggregated into k-anonymous cells, as CSV and JSON. Pure.

A cell is a make, model, year band and mileage band. It is published only when it holds at least k sales (sold
auctions). The sales of a smaller cell are not dropped at once but merged upward, into a remainder row one level
coarser that holds exactly the sales of the finer cells that were too small — never a total that also contains
published rows, so no published row can be subtracted from another to uncover a small cell:

    make / model / years / mileage  ->  make / model / years, "other mileages"
                                    ->  make / years, "other models"
                                    ->  make, "other models and years"  ->  suppressed (counted, not shown)

Every published row therefore has at least k sales, the rows never overlap, and published + suppressed sales
add up to all sales. Within a row, the median days from the close to the seller's payout is shown only when at
least k of its sales have been paid out. The method in words is docs/methods.md ("Open market data").
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import cast

from core.money import Money
from insights.numbers import days_between, median, name_key, one_decimal, require_int, round_half_away

MARKET_METHOD = "market-v1"

LEVEL_FULL = "model-years-mileage"
LEVEL_MODEL_YEARS = "model-years"
LEVEL_MAKE_YEARS = "make-years"
LEVEL_MAKE = "make"
OTHERS = "(others)"

CSV_COLUMNS = ("level", "make", "model", "years", "mileage", "sales", "auctions", "sell_through_percent",
               "hammer_median", "hammer_median_minor", "currency", "payouts", "days_to_payout_median")


@dataclass(frozen=True)
class AuctionResult:
    """One closed auction: sold (with its hammer price) or unsold. `paid_out_at`: when the seller was paid."""

    make: str
    model: str
    year: int
    mileage_km: int | None
    sold: bool
    hammer_minor: int | None
    closed_at: datetime
    paid_out_at: datetime | None = None

    def __post_init__(self):
        require_int("year", self.year)
        if self.mileage_km is not None:
            require_int("mileage_km", self.mileage_km, minimum=0)
        if self.sold:
            require_int("hammer_minor", self.hammer_minor, minimum=1)
        elif self.hammer_minor is not None or self.paid_out_at is not None:
            raise ValueError("an unsold auction has no hammer price and no payout")
        if not name_key(self.make) or not name_key(self.model):
            raise ValueError("make and model are required")


@dataclass(frozen=True)
class MarketRules:
    k: int = 5
    year_band_years: int = 3  # bands start at years divisible by this: 2016–2018, 2019–2021, ...
    mileage_band_km: int = 50_000
    mileage_top_km: int = 200_000  # one open band from here up

    def __post_init__(self):
        require_int("k", self.k, minimum=1)
        require_int("year_band_years", self.year_band_years, minimum=1)
        require_int("mileage_band_km", self.mileage_band_km, minimum=1)
        require_int("mileage_top_km", self.mileage_top_km, minimum=self.mileage_band_km)


@dataclass(frozen=True)
class MarketCell:
    level: str
    make: str
    model: str  # OTHERS at the make levels
    years: str  # "2016–2018", or OTHERS at the make level
    mileage: str  # "50,000–99,999 km", or OTHERS above the finest level
    sales: int
    auctions: int
    sell_through: Fraction
    hammer_median_minor: int
    payouts: int  # sales paid out to the seller (the days median is from these)
    days_to_payout_median: Decimal | None  # None when fewer than k payouts


@dataclass(frozen=True)
class MarketData:
    method: str
    rules: MarketRules
    currency: str
    auctions_total: int
    sales_total: int
    sales_published: int
    sales_suppressed: int  # in cells too small at every level: counted here, shown nowhere
    auctions_suppressed: int
    cells: tuple[MarketCell, ...]


def year_band(year: int, width: int) -> tuple[int, str]:
    start = year - year % width
    return start, (f"{start}" if width == 1 else f"{start}–{start + width - 1}")


def mileage_band(km: int | None, rules: MarketRules) -> tuple[int, str]:
    if km is None:
        return 1 << 40, "unknown mileage"
    if km >= rules.mileage_top_km:
        return rules.mileage_top_km, f"{rules.mileage_top_km:,} km and more"
    start = km - km % rules.mileage_band_km
    return start, f"{start:,}–{start + rules.mileage_band_km - 1:,} km"


def _display_names(names: Iterable[tuple[str, str]]) -> dict[str, str]:
    """For each key, its most frequent spelling (ties: the first in code-point order) — deterministic."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for key, spelling in names:
        counts[key][" ".join(spelling.split())] += 1
    return {key: min(c.items(), key=lambda item: (-item[1], item[0]))[0] for key, c in counts.items()}


_LAST = "\U0010ffff"


def market_aggregate(auctions: Iterable[AuctionResult], *, currency: str,
                     rules: MarketRules = MarketRules()) -> MarketData:
    auctions = list(auctions)
    makes = _display_names((name_key(a.make), a.make) for a in auctions)
    models = _display_names((f"{name_key(a.make)}\x00{name_key(a.model)}", a.model) for a in auctions)

    # Key of the finest cell, with sort positions: (make, model, year start, mileage start).
    groups: dict[tuple, list[AuctionResult]] = defaultdict(list)
    labels: dict[tuple, tuple[str, str]] = {}
    for a in auctions:
        ys, ylabel = year_band(a.year, rules.year_band_years)
        ks, klabel = mileage_band(a.mileage_km, rules)
        key = (name_key(a.make), name_key(a.model), ys, ks)
        groups[key].append(a)
        labels[key] = (ylabel, klabel)

    cells: list[tuple[tuple, MarketCell]] = []
    suppressed: list[AuctionResult] = []

    def publish_or_pass(level: str, key: tuple, members: list[AuctionResult], coarser: tuple | None,
                        remainder: dict[tuple, list[AuctionResult]] | None, names: tuple[str, str, str, str]):
        if sum(a.sold for a in members) >= rules.k:
            cells.append((key, _cell(level, names, members, rules)))
        elif remainder is not None:
            assert coarser is not None  # a remainder comes with the coarser cell's key
            remainder[coarser].extend(members)
        else:
            suppressed.extend(members)

    level1: dict[tuple, list[AuctionResult]] = defaultdict(list)
    for key, members in groups.items():
        make, model, ys, ks = key
        ylabel, klabel = labels[key]
        publish_or_pass(LEVEL_FULL, key, members, (make, model, ys), level1,
                        (makes[make], models[f"{make}\x00{model}"], ylabel, klabel))
    level2: dict[tuple, list[AuctionResult]] = defaultdict(list)
    for (make, model, ys), members in level1.items():
        publish_or_pass(LEVEL_MODEL_YEARS, (make, model, ys, 1 << 41), members, (make, ys), level2,
                        (makes[make], models[f"{make}\x00{model}"], year_band(ys, rules.year_band_years)[1], OTHERS))
    level3: dict[tuple, list[AuctionResult]] = defaultdict(list)
    for (make, ys), members in level2.items():
        publish_or_pass(LEVEL_MAKE_YEARS, (make, _LAST, ys, 1 << 41), members, (make,), level3,
                        (makes[make], OTHERS, year_band(ys, rules.year_band_years)[1], OTHERS))
    for (make,), members in level3.items():
        publish_or_pass(LEVEL_MAKE, (make, _LAST, 1 << 41, 1 << 41), members, None, None,
                        (makes[make], OTHERS, OTHERS, OTHERS))

    cells.sort(key=lambda item: item[0])
    published = tuple(cell for _, cell in cells)
    return MarketData(method=MARKET_METHOD, rules=rules, currency=currency, auctions_total=len(auctions),
                      sales_total=sum(a.sold for a in auctions), sales_published=sum(c.sales for c in published),
                      sales_suppressed=sum(a.sold for a in suppressed), auctions_suppressed=len(suppressed),
                      cells=published)


def _cell(level: str, names: tuple[str, str, str, str], members: list[AuctionResult],
          rules: MarketRules) -> MarketCell:
    sold = [a for a in members if a.sold]
    payout_days = [days_between(a.closed_at, a.paid_out_at) for a in sold if a.paid_out_at is not None]
    make, model, years, mileage = names
    return MarketCell(
        level=level, make=make, model=model, years=years, mileage=mileage, sales=len(sold), auctions=len(members),
        sell_through=Fraction(len(sold), len(members)),
        hammer_median_minor=round_half_away(median(cast(int, a.hammer_minor) for a in sold)),  # sold: a hammer price
        payouts=len(payout_days),
        days_to_payout_median=one_decimal(median(payout_days)) if len(payout_days) >= rules.k else None,
    )


def _row(cell: MarketCell, currency: str) -> dict:
    return {
        "level": cell.level, "make": cell.make, "model": cell.model, "years": cell.years, "mileage": cell.mileage,
        "sales": cell.sales, "auctions": cell.auctions,
        "sell_through_percent": str(one_decimal(cell.sell_through * 100)),
        "hammer_median": str(Money(cell.hammer_median_minor, currency).major),
        "hammer_median_minor": cell.hammer_median_minor, "currency": currency, "payouts": cell.payouts,
        "days_to_payout_median": None if cell.days_to_payout_median is None else str(cell.days_to_payout_median),
    }


def market_json(data: MarketData) -> str:
    """Decimals as strings (never floats); money also in integer minor units."""
    document = {
        "method": data.method, "k": data.rules.k, "currency": data.currency,
        "year_band_years": data.rules.year_band_years, "mileage_band_km": data.rules.mileage_band_km,
        "mileage_top_km": data.rules.mileage_top_km,
        "auctions_total": data.auctions_total, "sales_total": data.sales_total,
        "sales_published": data.sales_published, "sales_suppressed": data.sales_suppressed,
        "auctions_suppressed": data.auctions_suppressed,
        "cells": [_row(cell, data.currency) for cell in data.cells],
    }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def market_csv(data: MarketData) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for cell in data.cells:
        row = _row(cell, data.currency)
        row["days_to_payout_median"] = row["days_to_payout_median"] or ""
        for name in ("make", "model"):  # sellers type these: never let a spreadsheet read one as a formula
            if row[name][:1] in _FORMULA_STARTS:
                row[name] = "'" + row[name]
        writer.writerow(row)
    return out.getvalue()
