"""The worked examples of docs/methods.md, built in code: tests/insights/test_methods_doc.py checks that the figures
printed in the document are the ones the methods compute."""

from datetime import UTC, date, datetime, timedelta

from insights.guidance import CarSpec, ClosedSale
from insights.market import AuctionResult
from insights.records import (
    AdjustmentEvent,
    AdjustmentOutcome,
    CancelReason,
    DisputeEvent,
    DisputeOutcome,
    ReportEvents,
    SaleEvents,
    UpheldDispute,
)


def at(y, m, d, h=12, minute=0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=UTC)


def sale(ref, hammer, *, pay_days=2, paid_after=None, collect_days=5, collected_after=None, cancelled=None,
         **extra) -> SaleEvents:
    """A sale won at `hammer`: payment due `pay_days` later, paid `paid_after` after the hammer (None: not paid),
    collection due `collect_days` after payment, collected `collected_after` after payment."""
    paid_at = hammer + paid_after if paid_after is not None else None
    collection_deadline = paid_at + timedelta(days=collect_days) if paid_at else None
    collected_at = paid_at + collected_after if paid_at and collected_after is not None else None
    cancel = {"cancelled_at": cancelled[0], "cancel_reason": cancelled[1]} if cancelled else {}
    return SaleEvents(sale_ref=ref, hammer_at=hammer, payment_deadline=hammer + timedelta(days=pay_days),
                      paid_at=paid_at, collection_deadline=collection_deadline, collected_at=collected_at,
                      **cancel, **extra)


DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
DEALER_AS_OF = at(2026, 6, 15, 18)


def dealer_example() -> list[SaleEvents]:
    return [
        sale("S-112", at(2026, 6, 2), paid_after=1 * DAY, collected_after=2 * DAY),
        sale("S-108", at(2026, 5, 20), paid_after=2 * DAY, collected_after=6 * DAY + 12 * HOUR),
        sale("S-105", at(2026, 5, 10), paid_after=4 * DAY, collected_after=3 * DAY),
        sale("S-101", at(2026, 4, 3), paid_after=1 * DAY, collected_after=1 * DAY),
        sale("S-097", at(2026, 3, 18), paid_after=2 * DAY, collected_after=4 * DAY),
        sale("S-090", at(2026, 2, 2), cancelled=(at(2026, 2, 11), CancelReason.UNPAID)),
        sale("S-081", at(2025, 12, 14), paid_after=1 * DAY, collected_after=2 * DAY,
             adjustments=(AdjustmentEvent(requested_at=at(2025, 12, 18), outcome=AdjustmentOutcome.ACCEPTED,
                                          decided_at=at(2025, 12, 19)),)),
        sale("S-070", at(2025, 10, 1), paid_after=1 * DAY, collected_after=1 * DAY,
             disputes=(DisputeEvent(opened_at=at(2025, 10, 6), outcome=DisputeOutcome.REJECTED,
                                    resolved_at=at(2025, 10, 9)),)),
        sale("S-064", at(2025, 8, 20), paid_after=2 * DAY, collected_after=2 * DAY),
        sale("S-052", at(2025, 6, 16), paid_after=5 * DAY, collected_after=1 * DAY),
        sale("S-050", at(2025, 6, 10), paid_after=9 * DAY, collected_after=1 * DAY),  # 12 months ago: outside
        sale("S-115", at(2026, 6, 14), pay_days=2),  # not yet due: won, not scored
    ]


INSPECTOR_AS_OF = at(2026, 6, 15)


def inspector_example() -> list[ReportEvents]:
    reports = []
    for i in range(230):
        published = at(2024, 1, 1) + i * 2 * DAY
        # 212 reports whose car sold and whose dispute window has closed; 18 not (yet) tested by a sale.
        checked = published + 20 * DAY if i < 212 else None
        upheld: tuple[UpheldDispute, ...] = ()
        if i in (17, 58, 120, 199):
            upheld = (UpheldDispute(dispute_ref=f"D-{i}", item_key="brakes.discs_front",
                                    upheld_at=published + 15 * DAY),)
        reports.append(ReportEvents(report_ref=f"R-{i:03d}", published_at=published, checked_at=checked,
                                    upheld_disputes=upheld, odometer_flagged=i in (5, 90),
                                    odometer_confirmed_at=published + 10 * DAY if i == 5 else None))
    return reports


GUIDANCE_AS_OF = date(2026, 6, 15)
GUIDANCE_TARGET = CarSpec("Volkswagen", "Golf", 2018, 95_000, "petrol", "manual", "B")


def guidance_example() -> list[ClosedSale]:
    def golf(year, km, grade, hammer_eur, month, fuel="petrol", gearbox="manual", ref=""):
        return ClosedSale(CarSpec("Volkswagen", "Golf", year, km, fuel, gearbox, grade), hammer_eur * 100,
                          date(month[0], month[1], 1), ref=ref or f"{year}-{km}-{month}")
    return [
        golf(2018, 80_000, "B", 14_100, (2026, 5)),
        golf(2018, 110_000, "C", 12_400, (2026, 4)),
        golf(2019, 70_000, "A", 16_900, (2026, 3)),
        golf(2017, 120_000, "B", 11_600, (2026, 2)),
        golf(2018, 100_000, "B", 13_300, (2025, 12)),
        golf(2019, 90_000, "B", 14_600, (2025, 11)),
        golf(2017, 60_000, "B", 13_800, (2026, 1), gearbox="automatic"),  # step 3 only
        golf(2018, 90_000, "B", 14_500, (2025, 5)),  # closed 13 months before: outside the 12 months
        golf(2016, 150_000, "D", 8_900, (2026, 5)),  # 2 years older: step 2 and later only
    ]


def market_example() -> list[AuctionResult]:
    rows = []

    def add(make, model, year, km, n_sold, n_unsold, hammer_eur, payout_days=3):
        for i in range(n_sold):
            closed = at(2026, 3, 1) + i * DAY
            rows.append(AuctionResult(make, model, year, km + i * 1000, True, (hammer_eur + 100 * i) * 100, closed,
                                      closed + payout_days * DAY + i * HOUR))
        for i in range(n_unsold):
            rows.append(AuctionResult(make, model, year, km + i * 1000, False, None, at(2026, 3, 20) + i * DAY))

    add("Volkswagen", "Golf", 2018, 60_000, 7, 2, 13_000)  # published as it is
    add("Volkswagen", "Golf", 2017, 120_000, 3, 1, 10_000)  # too small ...
    add("Volkswagen", "Golf", 2016, 160_000, 2, 0, 8_000)  # ... together: "Golf 2016–2018, other mileages"
    add("Volkswagen", "Polo", 2019, 40_000, 2, 1, 11_000)  # too small: merged into VW 2019–2021, other models
    add("Volkswagen", "Up", 2020, 30_000, 3, 0, 9_000)  # ... with these: 5 sales, published
    add("Fiat", "Panda", 2015, 90_000, 4, 3, 5_000)  # 4 < 5 at every level: suppressed
    return rows
