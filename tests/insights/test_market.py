"""Open market data: cells, merging upward, suppression, and k-anonymity on every export (a property test)."""

import csv
import io
import json
import random
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.market import (
    CSV_COLUMNS,
    LEVEL_FULL,
    LEVEL_MAKE,
    LEVEL_MAKE_YEARS,
    LEVEL_MODEL_YEARS,
    MARKET_METHOD,
    OTHERS,
    AuctionResult,
    MarketRules,
    market_aggregate,
    market_csv,
    market_json,
    mileage_band,
    year_band,
)
from tests.insights.examples import DAY, at, market_example


def exports(data):
    """Every published row, as each export renders it."""
    def no_floats(text):
        raise AssertionError(f"a float in the JSON export: {text}")
    document = json.loads(market_json(data), parse_float=no_floats)
    rows = list(csv.DictReader(io.StringIO(market_csv(data))))
    return document, rows


# --- the worked example -----------------------------------------------------------------------------------------

def test_the_worked_example_publishes_three_rows_and_suppresses_the_rest():
    data = market_aggregate(market_example(), currency="EUR")
    assert data.method == MARKET_METHOD
    rows = [(c.level, c.make, c.model, c.years, c.mileage, c.sales, c.auctions) for c in data.cells]
    assert rows == [
        (LEVEL_FULL, "Volkswagen", "Golf", "2016–2018", "50,000–99,999 km", 7, 9),
        # The two small Golf cells together (3 + 2 sales), not the Golf year band's total (12).
        (LEVEL_MODEL_YEARS, "Volkswagen", "Golf", "2016–2018", OTHERS, 5, 6),
        # The Polo (2) and the Up (3) of 2019–2021, neither big enough alone.
        (LEVEL_MAKE_YEARS, "Volkswagen", OTHERS, "2019–2021", OTHERS, 5, 6),
    ]
    assert (data.sales_total, data.sales_published, data.sales_suppressed) == (21, 17, 4)
    assert data.auctions_suppressed == 7  # the Fiat Pandas: 4 sold, 3 unsold
    golf = data.cells[0]
    assert golf.sell_through == Fraction(7, 9)
    assert golf.hammer_median_minor == 1_330_000  # 13,000 .. 13,600 in steps of 100: the middle one
    assert golf.days_to_payout_median == Decimal("3.1")  # 3 days + 0..6 hours: the middle is 3 days 3 hours


def test_the_csv_export_reads_as_the_example_in_the_document():
    text = market_csv(market_aggregate(market_example(), currency="EUR"))
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert text.splitlines()[1] == ('model-years-mileage,Volkswagen,Golf,2016–2018,"50,000–99,999 km",7,9,77.8,'
                                    '13300.00,1330000,EUR,7,3.1')


# --- k-anonymity, as a property ------------------------------------------------------------------------------------

MAKES = [("Volkswagen", ["Golf", "Polo", "Passat"]), ("Ford", ["Focus", "Fiesta"]), ("Fiat", ["Panda"])]


@st.composite
def auction_results(draw):
    make_i = draw(st.integers(0, len(MAKES) - 1))
    make, models = MAKES[make_i]
    model = models[draw(st.integers(0, len(models) - 1))]
    sold = draw(st.booleans())
    closed = at(2026, 1, 1) + timedelta(hours=draw(st.integers(0, 24 * 200)))
    paid_out = closed + timedelta(hours=draw(st.integers(1, 24 * 20))) if sold and draw(st.booleans()) else None
    return AuctionResult(
        make=make, model=model, year=draw(st.integers(2008, 2024)),
        mileage_km=draw(st.one_of(st.none(), st.integers(0, 320_000))), sold=sold,
        hammer_minor=draw(st.integers(100_000, 6_000_000)) if sold else None, closed_at=closed, paid_out_at=paid_out)


@settings(max_examples=150, deadline=None)
@given(st.lists(auction_results(), max_size=120), st.integers(1, 8))
def test_no_published_cell_in_any_export_has_fewer_than_k_sales(auctions, k):
    data = market_aggregate(auctions, currency="EUR", rules=MarketRules(k=k))
    document, rows = exports(data)
    assert document["k"] == k
    assert all(c.sales >= k for c in data.cells)
    assert all(cell["sales"] >= k for cell in document["cells"])
    assert all(int(row["sales"]) >= k for row in rows)
    # The payout median comes from at least k payouts too, or is not shown.
    assert all(c.days_to_payout_median is None or c.payouts >= k for c in data.cells)
    assert all(cell["days_to_payout_median"] is None or cell["payouts"] >= k for cell in document["cells"])
    assert all(row["days_to_payout_median"] == "" or int(row["payouts"]) >= k for row in rows)
    # Rows never overlap and nothing is lost: every sale is in exactly one row or counted as suppressed.
    assert data.sales_published + data.sales_suppressed == data.sales_total == sum(a.sold for a in auctions)
    assert sum(c.auctions for c in data.cells) + data.auctions_suppressed == len(auctions)
    assert len(document["cells"]) == len(rows) == len(data.cells)


@settings(max_examples=50, deadline=None)
@given(st.lists(auction_results(), max_size=80))
def test_the_exports_do_not_depend_on_the_order_of_the_auctions(auctions):
    shuffled = auctions[:]
    random.Random(len(auctions)).shuffle(shuffled)
    a, b = market_aggregate(auctions, currency="EUR"), market_aggregate(shuffled, currency="EUR")
    assert market_json(a) == market_json(b) and market_csv(a) == market_csv(b)


# --- details --------------------------------------------------------------------------------------------------------

def small(make, model, year, km, n, hammer=1_000_000, sold=True):
    return [AuctionResult(make, model, year, km, sold, hammer + i if sold else None, at(2026, 3, 1) + i * DAY)
            for i in range(n)]


def test_a_make_whose_cells_are_all_small_is_published_once_at_the_make_level():
    auctions = small("Skoda", "Octavia", 2012, 150_000, 2) + small("Skoda", "Fabia", 2020, 30_000, 3)
    data = market_aggregate(auctions, currency="EUR")
    assert [(c.level, c.make, c.model, c.years, c.mileage, c.sales) for c in data.cells] == [
        (LEVEL_MAKE, "Skoda", OTHERS, OTHERS, OTHERS, 5)]


def test_k_is_a_parameter():
    auctions = small("Skoda", "Octavia", 2012, 150_000, 3)
    assert market_aggregate(auctions, currency="EUR").cells == ()
    assert market_aggregate(auctions, currency="EUR").sales_suppressed == 3
    assert len(market_aggregate(auctions, currency="EUR", rules=MarketRules(k=3)).cells) == 1


def test_unsold_auctions_count_for_sell_through_but_not_towards_k():
    auctions = small("Skoda", "Octavia", 2012, 150_000, 4) + small("Skoda", "Octavia", 2012, 150_000, 20, sold=False)
    assert market_aggregate(auctions, currency="EUR").cells == ()
    data = market_aggregate(auctions + small("Skoda", "Octavia", 2012, 151_000, 1), currency="EUR")
    assert (data.cells[0].sales, data.cells[0].auctions, data.cells[0].sell_through) == (5, 25, Fraction(1, 5))


def test_the_payout_median_is_withheld_below_k_payouts():
    auctions = small("Skoda", "Octavia", 2012, 150_000, 6)
    with_payouts = [AuctionResult(a.make, a.model, a.year, a.mileage_km, True, a.hammer_minor, a.closed_at,
                                  a.closed_at + 2 * DAY if i < 4 else None) for i, a in enumerate(auctions)]
    cell = market_aggregate(with_payouts, currency="EUR").cells[0]
    assert (cell.payouts, cell.days_to_payout_median) == (4, None)
    document, rows = exports(market_aggregate(with_payouts, currency="EUR"))
    assert document["cells"][0]["days_to_payout_median"] is None and rows[0]["days_to_payout_median"] == ""


def test_an_even_number_of_sales_has_the_mean_of_the_middle_two_rounded_half_up():
    auctions = [AuctionResult("Skoda", "Octavia", 2012, 150_000, True, hammer, at(2026, 3, 1))
                for hammer in (1_000_000, 1_000_001, 1_000_002, 1_000_004, 1_000_005, 1_000_006)]
    assert market_aggregate(auctions, currency="EUR").cells[0].hammer_median_minor == 1_000_003  # 1,000,003 exactly
    auctions[3] = AuctionResult("Skoda", "Octavia", 2012, 150_000, True, 1_000_003, at(2026, 3, 1))
    assert market_aggregate(auctions, currency="EUR").cells[0].hammer_median_minor == 1_000_003  # 1,000,002.5 -> up


@pytest.mark.parametrize(("year", "label"), [(2016, "2016–2018"), (2018, "2016–2018"), (2019, "2019–2021")])
def test_year_bands_start_at_years_divisible_by_the_band_width(year, label):
    assert year_band(year, 3)[1] == label


@pytest.mark.parametrize(("km", "label"), [(0, "0–49,999 km"), (49_999, "0–49,999 km"),
                                           (150_000, "150,000–199,999 km"), (200_000, "200,000 km and more"),
                                           (900_000, "200,000 km and more"), (None, "unknown mileage")])
def test_mileage_bands(km, label):
    assert mileage_band(km, MarketRules())[1] == label


def test_spellings_are_merged_and_shown_as_the_most_common_one():
    auctions = (small("Volkswagen", "Golf", 2018, 60_000, 3) + small("volkswagen", "golf ", 2018, 60_000, 2))
    cell = market_aggregate(auctions, currency="EUR").cells[0]
    assert (cell.make, cell.model, cell.sales) == ("Volkswagen", "Golf", 5)


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_defused_in_the_csv():
    data = market_aggregate(small("=HYPERLINK(\"x\")", "@SUM(A1)", 2018, 60_000, 5), currency="EUR")
    row = next(csv.DictReader(io.StringIO(market_csv(data))))
    assert row["make"].startswith("'=") and row["model"].startswith("'@")
    assert json.loads(market_json(data))["cells"][0]["make"] == "=HYPERLINK(\"x\")"


def test_inconsistent_auctions_are_refused():
    with pytest.raises(ValueError):
        AuctionResult("Skoda", "Octavia", 2012, 1, False, 100, at(2026, 1, 1))
    with pytest.raises(TypeError):
        AuctionResult("Skoda", "Octavia", 2012, 1, True, 100.0, at(2026, 1, 1))  # type: ignore[arg-type]  # on purpose
    with pytest.raises(ValueError):
        MarketRules(k=0)
