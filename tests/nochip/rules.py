"""Shared inputs of the no-chip rule tests: the published table and schedule, a collection window, findings."""

from datetime import UTC, datetime, timedelta

from core.money import Money
from inspections.repair_cost import repair_cost_table_load
from payments.fee_schedule import fee_schedule_load
from payments.nochip import ClaimWindow, Finding, claim_compute

TABLE = repair_cost_table_load()
SCHEDULE = fee_schedule_load()
HAMMER = Money(12_000_00, "EUR")
OPENS = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # the collection starts
CLOSES = OPENS + timedelta(hours=2)  # the handover is confirmed
WINDOW = ClaimWindow(OPENS, CLOSES)
DURING = OPENS + timedelta(minutes=30)


def finding(key, severity="major", *, photos=1, at=DURING):
    return Finding(key=key, severity=severity, photos=photos, recorded_at=at)


def compute(findings, disclosed=None, *, hammer=HAMMER, window=WINDOW, **kwargs):
    return claim_compute(hammer=hammer, disclosed=disclosed or {}, findings=findings, window=window, table=TABLE,
                         schedule=SCHEDULE, **kwargs)
