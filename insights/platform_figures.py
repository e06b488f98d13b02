"""Gavel's public figures on the no-chip guarantee (/transparency/), computed from the records every time: how
often a price adjustment is requested, how sellers answer, the median adjustment, disputes opened and upheld, and
the median time from the handover to the seller's payout.

A small number is shown as "fewer than N" (N = SMALL_NUMBER), never hidden and never exact: a count below N, a
share of fewer than N cases, a median of fewer than N values. The arithmetic is insights.numbers (median, percent,
one_decimal): no floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.formats import number_format
from django.utils.translation import gettext

from core.money import Money
from insights.numbers import days_between, median, one_decimal, percent
from payments.models import AdjustmentRequest, Dispute, Sale

SMALL_NUMBER = 5


@dataclass(frozen=True)
class Figure:
    label: str
    text: str  # what people read: "12", "fewer than 5", "34 %", "€600.00", "2.5 days"
    small: bool  # shown as "fewer than N"


def _number(value: int | Decimal) -> str:
    return number_format(value, use_l10n=True, force_grouping=True)


def _count(label: str, count: int) -> Figure:
    if count < SMALL_NUMBER:
        return Figure(label, gettext("fewer than %(n)s") % {"n": SMALL_NUMBER}, True)
    return Figure(label, _number(count), False)


def _share(label: str, part: int, whole: int, few: str, of: str) -> Figure:
    """`few` and `of` are sentences with %(n)s and %(percent)s / %(whole)s: "fewer than 5 paid sales so far",
    "34 % of 120 paid sales"."""
    if whole < SMALL_NUMBER:
        return Figure(label, few % {"n": SMALL_NUMBER}, True)
    return Figure(label, of % {"percent": percent(Fraction(part, whole)), "whole": _number(whole)}, False)


def platform_figures() -> list[Figure]:
    """The figures in the active language (the page's reader)."""
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

    adjustment_label = gettext("Median price adjustment")
    if len(applied) < SMALL_NUMBER:
        adjustment = Figure(adjustment_label, gettext("fewer than %(n)s adjustments so far") % {"n": SMALL_NUMBER},
                            True)
    else:
        currency = applied[0][1]
        middle = median(amount for amount, _ in applied)
        adjustment = Figure(adjustment_label, Money(int(middle), currency).format(), False)
    payout_label = gettext("Median time from the handover to the payout")
    if len(payouts) < SMALL_NUMBER:
        payout = Figure(payout_label, gettext("fewer than %(n)s payouts so far") % {"n": SMALL_NUMBER}, True)
    else:
        payout = Figure(payout_label, gettext("%(days)s days") % {"days": _number(one_decimal(median(payouts)))},
                        False)
    decided_few = gettext("fewer than %(n)s decided adjustments so far")
    decided_of = gettext("%(percent)s %% of %(whole)s decided adjustments")
    return [
        _count(gettext("Sales paid"), paid_sales),
        _share(gettext("Sales with a price adjustment request"), len(requests), paid_sales,
               gettext("fewer than %(n)s paid sales so far"), gettext("%(percent)s %% of %(whole)s paid sales")),
        _share(gettext("Adjustments the seller accepted (or that applied at the deadline)"), len(decided) - refused,
               len(decided), decided_few, decided_of),
        _share(gettext("Adjustments the seller refused (sale cancelled at no cost to them)"), refused, len(decided),
               decided_few, decided_of),
        adjustment,
        _count(gettext("Disputes opened"), len(disputes)),
        _share(gettext("Disputes upheld (a refund)"), upheld, len(resolved),
               gettext("fewer than %(n)s decided disputes so far"),
               gettext("%(percent)s %% of %(whole)s decided disputes")),
        payout,
    ]
