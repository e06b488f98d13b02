"""docs/methods.md is the published rules page: its defaults and worked examples must be what the code computes."""

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from core.money import Money
from insights.guidance import DEFAULT_STEPS, CarSpec, ClosedSale, GuidanceRules, backtest, price_guidance
from insights.market import market_aggregate, market_csv
from insights.numbers import month_index, one_decimal, percent
from insights.records import DealerRecordRules, InspectorRecordRules, dealer_record, inspector_record, sale_weight
from tests.insights.examples import (
    DEALER_AS_OF,
    GUIDANCE_AS_OF,
    GUIDANCE_TARGET,
    INSPECTOR_AS_OF,
    dealer_example,
    guidance_example,
    inspector_example,
    market_example,
)
from tests.insights.synthetic import synthetic_history

DOC = (Path(__file__).resolve().parents[2] / "docs" / "methods.md").read_text()
# The page wraps long lines; compare with line breaks as spaces.
FLAT = " ".join(DOC.split())


def eur(minor: int, sign: bool = False) -> str:
    text = Money(abs(minor), "EUR").format(show_minor=False)
    if not sign or minor == 0:
        return ("−" if minor < 0 else "") + text
    return ("+" if minor > 0 else "−") + text


def shown(text: str) -> bool:
    return " ".join(text.split()) in FLAT


def test_the_published_defaults_are_the_codes_defaults():
    dealer, guidance = DealerRecordRules(), GuidanceRules()
    as_of = date(2026, 6, 20)
    months_back = [month_index(as_of) - m for m in range(13)]
    weights = [sale_weight(hammer_on=date(i // 12, i % 12 + 1, 20), as_of=as_of) for i in months_back]
    assert weights.pop() == 0
    assert weights == list(range(12, 0, -1))
    assert shown("| weight of the sale | " + " | ".join(map(str, weights)) + " | not counted |")
    assert shown(f"| paid after the payment deadline | {dealer.paid_late_points} |")
    assert shown(f"(instead of the 40 above) | {dealer.cancelled_unpaid_points} |")
    assert shown(f"or not yet collected after it | {dealer.collected_late_points} |")
    assert shown(f"| a dispute the dealer opened was rejected | {dealer.dispute_rejected_points} per dispute |")
    assert shown(f"**fewer than {dealer.min_sales} sales**")
    assert shown(f"last {dealer.window_months} months")
    assert shown(f"Below **{InspectorRecordRules().min_reports} reports checked**")
    for number, step in enumerate(DEFAULT_STEPS, start=1):
        years = f"within {step.year_band} year" + (" of your car" if number == 1 else "s" * (step.year_band > 1))
        assert shown(f"| {number} | {years} | {'same' if step.same_fuel else 'any'} | "
                     f"{'same' if step.same_transmission else 'any'} | within {step.max_km_difference:,} km |")
    assert shown(f"at least **{guidance.min_comparables}** sales")
    assert shown(f"the {guidance.max_comparables} closest are used")
    assert shown(f"**{guidance.lookback_months} calendar months**")
    assert shown(f"at least **{guidance.min_pairs} such pairs**")
    assert guidance.low_quantile == Fraction(1, 4) and guidance.high_quantile == Fraction(3, 4)
    assert shown("from the 25th to the 75th percentile")
    km, year, grade = (bp // 100 for bp in (guidance.default_km_bp, guidance.default_year_bp,
                                            guidance.default_grade_bp))
    assert shown(f"per 10,000 km **{km} %**, per year **{year} %**, per grade step **{grade} %**")
    assert guidance.rounding_minor == 10_000 and shown("rounded **down** and the high end **up** to €100")


def test_the_dealer_example_is_what_the_code_computes():
    record = dealer_record(dealer_example(), as_of=DEALER_AS_OF)
    scored = [line for line in record.sales if line.scored]
    total_weight = sum(line.weight for line in scored)
    total_points = sum(line.weight * line.points for line in scored)
    rows = {cells[0]: cells for cells in (row.split(" | ") for row in DOC.splitlines() if row.startswith("| S-"))}
    for line in record.sales:
        cells = rows.pop("| " + line.sale_ref)
        assert (cells[2], cells[3]) == (str(line.months_ago), str(line.weight))
        assert cells[-1] == (f"{line.points} |" if line.scored else "not in the score |")
    assert list(rows) == ["| S-050"]  # the one outside the window
    weights = " + ".join(str(line.weight) for line in reversed(scored))
    assert shown(f"Sum of their weights: {weights} = **{total_weight}**")
    assert shown(f"= **{total_points:,}**")
    assert shown(f"**Score = {total_points:,} / {total_weight} = {one_decimal(Fraction(total_points, total_weight))} "
                 f"→ {record.score}.**")
    assert shown(f"The record reads \"{record.summary}\"")
    r = record.paid_on_time
    assert shown(f"**{r.weighted_part} / {r.weighted_whole} = {r.percent} %** ({r.count} of {r.out_of} sales)")
    r = record.collected_on_time
    assert shown(f"**{r.weighted_part} / {r.weighted_whole} = {r.percent} %**")
    r = record.cancelled_unpaid
    assert shown(f"**{r.weighted_part} / {r.weighted_whole} = {r.percent} %**")
    assert shown(f"**{record.adjustments_accepted.per_100} per 100 sales**")
    assert shown(f"{record.disputes_opened.weighted_part} / {record.disputes_opened.weighted_whole} = "
                 f"**{record.disputes_opened.per_100} per 100 sales**; upheld: **{record.disputes_upheld.per_100}**")
    assert shown(f"**{record.median_days_to_pay} days**")
    for event in record.counted_against:
        assert shown(f"{event.sale_ref} ") and shown(f"(−{event.points}, weight {event.weight})")


def test_the_inspector_example_is_what_the_code_computes():
    record = inspector_record(inspector_example(), as_of=INSPECTOR_AS_OF)
    assert shown(f"published {record.reports_published} reports; {record.reports_checked} have been checked")
    assert shown(f"on {record.reports_checked - record.reports_upheld} of those a dispute was upheld")
    assert shown(f"**\"{record.summary}\"**")
    assert shown(f"Of their {record.odometer_flags} odometer flags, {record.odometer_flags_confirmed} was confirmed")


def test_the_guidance_example_is_what_the_code_computes():
    result = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF)
    assert (result.step, len(result.comparables)) == (1, 6) and shown("step 1 finds six of them")
    km, year, grade = result.rates
    assert shown(f"**{eur(km.amount_minor)} per 10,000 km** (2 %), **{eur(year.amount_minor)} per year** (8 %), "
                 f"**{eur(grade.amount_minor)} per grade step** (6 %)")
    assert shown(f"({km.pairs} pair for mileage, {year.pairs} for year, {grade.pairs} for grade)")
    for c in result.comparables:
        assert shown(f"| {c.year} | {c.mileage_km:,} | {c.grade} | {eur(c.hammer_minor)} | {c.month} | "
                     f"{eur(c.km_adjustment_minor, True)} | {eur(c.year_adjustment_minor, True)} | "
                     f"{eur(c.grade_adjustment_minor, True)} | {eur(c.adjusted_minor)} |")
    ordered = sorted(c.adjusted_minor for c in result.comparables)
    assert shown("Adjusted prices in order: " + ", ".join(eur(p) for p in ordered) + ".")
    assert shown(f"**Range {eur(result.low_minor)} – {eur(result.high_minor)}, width {eur(result.width_minor)} "
                 f"({one_decimal(Fraction(result.width_bp, 100))} % of the typical price)**, based on "
                 f"{len(result.comparables)} comparable sales")
    assert shown(f"→ **{eur(result.typical_minor)}**")


def test_the_rate_estimate_example_is_what_the_code_computes():
    def golf(year, km, hammer_eur, ref):
        return ClosedSale(CarSpec("Volkswagen", "Golf", year, km, "petrol", "manual", "B"), hammer_eur * 100,
                          date(2026, 5, 1), ref=ref)
    pool = [golf(2018, 70_000, 14_600, "a"), golf(2018, 90_000, 13_900, "b"), golf(2018, 120_000, 13_200, "c"),
            golf(2019, 95_000, 15_000, "d"), golf(2017, 95_000, 12_800, "e")]
    target = CarSpec("Volkswagen", "Golf", 2018, 95_000, "petrol", "manual", "B")
    result = price_guidance(target, pool, as_of=date(2026, 6, 1), rules=GuidanceRules(min_pairs=3))
    km = result.rates[0]
    assert (km.source, km.pairs) == ("estimated", 3)
    assert shown(f"the median is **{eur(km.amount_minor)} per 10,000 km**")


def test_the_backtest_figures_are_what_the_code_computes():
    result = backtest(synthetic_history())
    plain = backtest(synthetic_history(), rules=GuidanceRules(min_pairs=10**6, default_km_bp=0, default_year_bp=0,
                                                              default_grade_bp=0))
    assert shown(f"{len(result.months)} months, {result.sales} sales of three models")
    assert shown(f"enough comparables for {result.guided} sales; **{result.inside} of {result.guided} "
                 f"({one_decimal(result.inside_share * 100)} %)**")
    assert shown(f"median error was **{one_decimal(result.median_ape * 100)} %** "
                 f"({one_decimal(plain.median_ape * 100)} % if the prices are compared without adjustments)")


def test_the_market_example_is_what_the_code_computes():
    data = market_aggregate(market_example(), currency="EUR")
    assert market_csv(data) in DOC
    assert shown(f"with `sales_total` {data.sales_total}, `sales_published` {data.sales_published}, "
                 f"`sales_suppressed` {data.sales_suppressed}")


@pytest.mark.parametrize("share", [Fraction(299, 300)])
def test_the_percentage_rule_example_holds(share):
    assert percent(share) == 99 and shown("one late payment in 300 sales shows as 99 %, not 100 %")


def test_the_collection_rule_and_the_comparables_asked_for_are_the_codes():
    from config.settings.payments import GAVEL_COLLECTION_DAYS

    assert shown(f"**collection deadline = the moment the payment arrived in escrow + {GAVEL_COLLECTION_DAYS} days**")
    years = max(step.year_band for step in DEFAULT_STEPS)
    km = max(step.max_km_difference for step in DEFAULT_STEPS)
    assert shown(f"registered within {years} years of the car and, when its mileage is known, within {km:,} km of it")
