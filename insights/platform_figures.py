"""Gavel's public figures on the no-chip guarantee (/transparency/), computed from the records every time: how
often a price adjustment is requested, how sellers answer, the median adjustment, disputes opened and upheld, and
the median time from the handover to the seller's payout.

A small number is shown as "fewer than N" (N = SMALL_NUMBER), never hidden and never exact: a count below N, a
share of fewer than N cases, a median of fewer than N values. The arithmetic is insights.numbers (median, percent,
one_decimal): no floats."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from core.money import Money
from insights.numbers import days_between, median, one_decimal, percent
from payments.models import AdjustmentRequest, Dispute, Sale

SMALL_NUMBER = 5


@dataclass(frozen=True)
class Figure:
    label: str
    text: str  # what people read: "12", "fewer than 5", "34 %", "€600.00", "2.5 days"
    small: bool  # shown as "fewer than N"


def _count(label: str, count: int) -> Figure:
    if count < SMALL_NUMBER:
        return Figure(label, f"fewer than {SMALL_NUMBER}", True)
    return Figure(label, f"{count:,}", False)


def _share(label: str, part: int, whole: int, of: str) -> Figure:
    if whole < SMALL_NUMBER:
        return Figure(label, f"fewer than {SMALL_NUMBER} {of} so far", True)
    return Figure(label, f"{percent(Fraction(part, whole))} % of {whole:,} {of}", False)


def platform_figures() -> list[Figure]:
    paid_sales = Sale.objects.filter(paid_at__isnull=False).count()
    requests = list(AdjustmentRequest.objects.values_list("status", "amount_minor", "currency"))
    decided = [r for r in requests if r[0] != AdjustmentRequest.Status.PENDING]
    applied = [(amount, currency) for status, amount, currency in requests if status in AdjustmentRequest.APPLIED]
    refused = sum(1 for r in decided if r[0] == AdjustmentRequest.Status.REFUSED)
    disputes = list(Dispute.objects.values_list("status", "outcome"))
    resolved = [d for d in disputes if d[0] == Dispute.Status.RESOLVED]
    upheld = sum(1 for d in resolved if d[1] in (Dispute.Outcome.REFUND, Dispute.Outcome.PARTIAL))
    payouts = []
    for handed, paid in Sale.objects.filter(
            handed_over_at__isnull=False, paid_out_at__isnull=False).values_list("handed_over_at", "paid_out_at"):
        assert handed is not None and paid is not None  # the filter excludes sales without either
        payouts.append(days_between(handed, paid))

    if len(applied) < SMALL_NUMBER:
        adjustment = Figure("Median price adjustment", f"fewer than {SMALL_NUMBER} adjustments so far", True)
    else:
        currency = applied[0][1]
        middle = median(amount for amount, _ in applied)
        adjustment = Figure("Median price adjustment", Money(int(middle), currency).format(), False)
    if len(payouts) < SMALL_NUMBER:
        payout = Figure("Median time from the handover to the payout", f"fewer than {SMALL_NUMBER} payouts so far",
                        True)
    else:
        payout = Figure("Median time from the handover to the payout", f"{one_decimal(median(payouts))} days", False)
    return [
        _count("Sales paid", paid_sales),
        _share("Sales with a price adjustment request", len(requests), paid_sales, "paid sales"),
        _share("Adjustments the seller accepted (or that applied at the deadline)", len(decided) - refused,
               len(decided), "decided adjustments"),
        _share("Adjustments the seller refused (sale cancelled at no cost to them)", refused, len(decided),
               "decided adjustments"),
        adjustment,
        _count("Disputes opened", len(disputes)),
        _share("Disputes upheld (a refund)", upheld, len(resolved), "decided disputes"),
        payout,
    ]
