"""The dealer record ("dealer-record-v1") and the inspector record ("inspector-record-v1"). Pure functions.

The inputs are plain dataclasses of events, so each source plugs in as it lands: today `payments.Sale` gives the
hammer, the payment deadline, payment, the collection deadline (stored when the payment lands), collection (the
dealer's collection check, else the handover) and cancellation; `payments.Dispute` gives disputes (outcome refund
or partial = upheld, reject = rejected); `payments.AdjustmentRequest` the adjustment requests;
`payments.CollectionCheck` confirms odometer/VIN flags. A sale without a collection deadline
(`collection_deadline=None`) counts nothing for "collected on time".
Everything is evaluated "as of" a moment: an event stamped later than `as_of` has not happened yet, so a record
can be recomputed for any past day and gives the same answer. Pass times in the marketplace's time zone: the
calendar dates of the hammer and of `as_of` decide the month a sale falls in.

The method in words, with worked examples, is docs/methods.md ("Dealer record", "Inspector record").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import partial

from insights.numbers import days_between, one_decimal, percent, require_int, weighted_median, whole_months_between
from insights.wording import Wording, translatable

DEALER_METHOD = "dealer-record-v1"
INSPECTOR_METHOD = "inspector-record-v1"


# ---------------------------------------------------------------------------------------------------------------
# Inputs


class CancelReason(StrEnum):
    UNPAID = "unpaid"  # the dealer did not pay: the only cancellation that counts against the dealer
    ADJUSTMENT_REFUSED = "adjustment_refused"  # the seller refused a computed adjustment (no-chip rules)
    CAR_NOT_AS_DESCRIBED = "car_not_as_described"  # odometer beyond the margin, VIN mismatch
    OTHER = "other"  # cancelled by staff for a reason that is not the dealer's


class AdjustmentOutcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class DisputeOutcome(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # a full or partial refund
    REJECTED = "rejected"


@dataclass(frozen=True)
class AdjustmentEvent:
    requested_at: datetime
    outcome: AdjustmentOutcome = AdjustmentOutcome.PENDING
    decided_at: datetime | None = None

    def __post_init__(self):
        _require_decision_time(self.outcome != AdjustmentOutcome.PENDING, self.decided_at, "adjustment")


@dataclass(frozen=True)
class DisputeEvent:
    opened_at: datetime
    outcome: DisputeOutcome = DisputeOutcome.OPEN
    resolved_at: datetime | None = None

    def __post_init__(self):
        _require_decision_time(self.outcome != DisputeOutcome.OPEN, self.resolved_at, "dispute")


@dataclass(frozen=True)
class SaleEvents:
    """One sale a dealer won, with everything that happened to it. `sale_ref` is what the dealer sees it by."""

    sale_ref: str
    hammer_at: datetime
    payment_deadline: datetime
    paid_at: datetime | None = None
    collection_deadline: datetime | None = None
    collected_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: CancelReason | None = None
    adjustments: tuple[AdjustmentEvent, ...] = ()
    disputes: tuple[DisputeEvent, ...] = ()

    def __post_init__(self):
        if (self.cancelled_at is None) != (self.cancel_reason is None):
            raise ValueError(f"sale {self.sale_ref}: a cancellation needs both its time and its reason")
        if self.cancel_reason is not None:
            CancelReason(self.cancel_reason)
        if self.cancel_reason == CancelReason.UNPAID and self.paid_at is not None:
            raise ValueError(f"sale {self.sale_ref}: cancelled as unpaid but has a payment")


def _require_decision_time(decided: bool, at: datetime | None, what: str) -> None:
    if decided and at is None:
        raise ValueError(f"a decided {what} needs the time it was decided")
    if not decided and at is not None:
        raise ValueError(f"an undecided {what} cannot have a decision time")


@dataclass(frozen=True)
class DealerRecordRules:
    """The published parameters of the dealer record (defaults are the ones on the rules page)."""

    window_months: int = 12
    min_sales: int = 10
    paid_late_points: int = 40
    cancelled_unpaid_points: int = 100
    collected_late_points: int = 20
    dispute_rejected_points: int = 20

    def __post_init__(self):
        require_int("window_months", self.window_months, minimum=1)
        require_int("min_sales", self.min_sales, minimum=1)
        for name in ("paid_late_points", "cancelled_unpaid_points", "collected_late_points",
                     "dispute_rejected_points"):
            require_int(name, getattr(self, name), minimum=0)


# ---------------------------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class Rate:
    """A weighted share: `weighted_part / weighted_whole`, with the plain counts beside it.
    For per-sale rates (adjustments, disputes) the part counts events, so it can exceed the whole."""

    weighted_part: int
    weighted_whole: int
    count: int
    out_of: int

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.weighted_part, self.weighted_whole) if self.weighted_whole else None

    @property
    def percent(self) -> int | None:
        return None if self.value is None else percent(self.value)

    @property
    def per_100(self) -> Decimal | None:
        """For per-sale rates: events per 100 sales, one decimal."""
        return None if self.value is None else one_decimal(self.value * 100)


class CountedKind(StrEnum):
    PAID_LATE = "paid_late"
    UNPAID_PAST_DEADLINE = "unpaid_past_deadline"
    CANCELLED_UNPAID = "cancelled_unpaid"
    COLLECTED_LATE = "collected_late"
    NOT_COLLECTED_PAST_DEADLINE = "not_collected_past_deadline"
    DISPUTE_REJECTED = "dispute_rejected"
    # Shown on the record (as rates) but costing no points: listed so the dealer can check them too.
    ADJUSTMENT_REQUESTED = "adjustment_requested"
    DISPUTE_OPENED = "dispute_opened"


@dataclass(frozen=True)
class CountedEvent:
    """One event that cost a sale points, so the dealer can see it and check it."""

    sale_ref: str
    kind: CountedKind
    at: datetime
    points: int
    weight: int
    text: Wording


@dataclass(frozen=True)
class SaleLine:
    """How one sale in the window counted: its weight, and its points once its payment was due."""

    sale_ref: str
    hammer_on: date
    months_ago: int
    weight: int
    scored: bool
    points: int | None
    deductions: tuple[CountedEvent, ...]


@dataclass(frozen=True)
class DealerRecord:
    method: str
    as_of: datetime
    window_start: date  # the earliest hammer date that still counts
    rules: DealerRecordRules
    sales: tuple[SaleLine, ...]
    sales_won: int
    sales_scored: int
    paid_on_time: Rate
    collected_on_time: Rate
    cancelled_unpaid: Rate
    adjustments_requested: Rate  # per sale won
    adjustments_accepted: Rate  # per sale won
    disputes_opened: Rate  # per sale won
    disputes_upheld: Rate  # per sale won
    disputes_rejected: int
    median_days_to_pay: Decimal | None
    score_exact: Fraction | None
    score: int | None
    is_new: bool
    summary: Wording
    counted_against: tuple[CountedEvent, ...] = field(default=())
    # The adjustment requests and the disputes (other than rejected ones, which cost points) behind the rates a
    # seller reads: 0 points each.
    shown_not_scored: tuple[CountedEvent, ...] = field(default=())


# ---------------------------------------------------------------------------------------------------------------
# The dealer record


def sale_weight(*, hammer_on: date, as_of: date, window_months: int = 12) -> int:
    """Linear weight by whole months since the hammer: window_months for the last month, down to 1 for the
    oldest month in the window; 0 outside it (or for a hammer after as_of)."""
    months = whole_months_between(hammer_on, as_of)
    if hammer_on > as_of or months >= window_months:
        return 0
    return window_months - months


def _window_start(as_of: date, window_months: int) -> date:
    day = as_of
    while sale_weight(hammer_on=day - timedelta(days=1), as_of=as_of, window_months=window_months):
        day -= timedelta(days=1)
    return day


def _deduct(into: list[CountedEvent], sale_ref: str, weight: int, kind: CountedKind, at: datetime, points: int,
            text: Wording) -> None:
    into.append(CountedEvent(sale_ref=sale_ref, kind=kind, at=at, points=points, weight=weight, text=text))


def _days(start: datetime, end: datetime) -> Decimal:
    return one_decimal(days_between(start, end))


# What the seller answered to an adjustment request, as the dealer reads it beside the request.
_ADJUSTMENT_SHOWN = {
    AdjustmentOutcome.ACCEPTED: "Price adjustment requested at the collection: accepted (not scored).",
    AdjustmentOutcome.REFUSED: "Price adjustment requested at the collection: refused (not scored).",
    None: "Price adjustment requested at the collection: waiting for the seller's answer (not scored).",
}


@dataclass
class _Tally:
    weighted: int = 0
    count: int = 0

    def add(self, weight: int) -> None:
        self.weighted += weight
        self.count += 1


def _rate(part: _Tally, whole: _Tally) -> Rate:
    return Rate(weighted_part=part.weighted, weighted_whole=whole.weighted, count=part.count, out_of=whole.count)


def dealer_record(sales: Iterable[SaleEvents], *, as_of: datetime,
                  rules: DealerRecordRules = DealerRecordRules()) -> DealerRecord:
    """The dealer record as of `as_of`, from the dealer's sales (any order; those outside the window are ignored)."""
    as_of_day = as_of.date()
    lines: list[SaleLine] = []
    won, scored = _Tally(), _Tally()
    paid_on_time, cancelled_unpaid = _Tally(), _Tally()
    collection_due, collected_on_time = _Tally(), _Tally()
    adj_requested, adj_accepted, disp_opened, disp_upheld = _Tally(), _Tally(), _Tally(), _Tally()
    days_to_pay: list[tuple[Fraction, int]] = []
    points_weighted = 0
    shown: list[CountedEvent] = []

    for sale in sorted(sales, key=lambda s: (s.hammer_at, s.sale_ref)):
        hammer_on = sale.hammer_at.date()
        weight = sale_weight(hammer_on=hammer_on, as_of=as_of_day, window_months=rules.window_months)
        if weight == 0 or sale.hammer_at > as_of:
            continue
        won.add(weight)
        # What is known of the sale: everything up to as_of, and nothing after a cancellation that was not the
        # dealer's doing (the sale stopped there; what had happened before still counts).
        cancelled = sale.cancelled_at is not None and sale.cancelled_at <= as_of
        horizon = sale.cancelled_at if cancelled and sale.cancel_reason != CancelReason.UNPAID else as_of
        assert horizon is not None  # cancelled: the cancellation's time
        deductions: list[CountedEvent] = []
        deduct = partial(_deduct, deductions, sale.sale_ref, weight)

        paid = sale.paid_at is not None and sale.paid_at <= horizon
        is_scored = True
        if paid:
            assert sale.paid_at is not None  # paid says so
            days_to_pay.append((days_between(sale.hammer_at, sale.paid_at), weight))
            if sale.paid_at <= sale.payment_deadline:
                paid_on_time.add(weight)
            else:
                deduct(CountedKind.PAID_LATE, sale.paid_at, rules.paid_late_points,
                       translatable("Paid {days} days after the payment deadline.",
                                    days=_days(sale.payment_deadline, sale.paid_at)))
        elif cancelled and sale.cancel_reason == CancelReason.UNPAID:
            assert sale.cancelled_at is not None  # cancelled says so
            cancelled_unpaid.add(weight)
            deduct(CountedKind.CANCELLED_UNPAID, sale.cancelled_at, rules.cancelled_unpaid_points,
                   translatable("Sale cancelled because it was not paid."))
        elif sale.payment_deadline < horizon:
            deduct(CountedKind.UNPAID_PAST_DEADLINE, sale.payment_deadline, rules.paid_late_points,
                   translatable("Not paid by the payment deadline (counts as paid late until it is paid or "
                                "cancelled)."))
        else:
            is_scored = False  # payment not yet due (or the sale was cancelled before it was)

        if paid and sale.collection_deadline is not None:
            collected = sale.collected_at is not None and sale.collected_at <= horizon
            if collected or sale.collection_deadline < horizon:
                collection_due.add(weight)
            if collected:
                assert sale.collected_at is not None  # collected says so
                if sale.collected_at <= sale.collection_deadline:
                    collected_on_time.add(weight)
                else:
                    deduct(CountedKind.COLLECTED_LATE, sale.collected_at, rules.collected_late_points,
                           translatable("Collected {days} days after the collection deadline.",
                                        days=_days(sale.collection_deadline, sale.collected_at)))
            elif sale.collection_deadline < horizon:
                deduct(CountedKind.NOT_COLLECTED_PAST_DEADLINE, sale.collection_deadline,
                       rules.collected_late_points,
                       translatable("Not collected by the collection deadline (counts as collected late until "
                                    "collected)."))

        show = partial(_deduct, shown, sale.sale_ref, weight, points=0)
        for adjustment in sale.adjustments:
            if adjustment.requested_at <= as_of:
                adj_requested.add(weight)
                decided = adjustment.decided_at is not None and adjustment.decided_at <= as_of
                if adjustment.outcome == AdjustmentOutcome.ACCEPTED and decided:
                    adj_accepted.add(weight)
                msgid = _ADJUSTMENT_SHOWN[adjustment.outcome if decided else None]
                show(CountedKind.ADJUSTMENT_REQUESTED, adjustment.requested_at, text=translatable(msgid))
        for dispute in sale.disputes:
            if dispute.opened_at > as_of:
                continue
            disp_opened.add(weight)
            resolved = dispute.resolved_at is not None and dispute.resolved_at <= as_of
            if not (resolved and dispute.outcome == DisputeOutcome.REJECTED):
                show(CountedKind.DISPUTE_OPENED, dispute.opened_at,
                     text=translatable("Dispute opened: upheld (not scored).") if resolved else
                     translatable("Dispute opened: not yet decided (not scored)."))
            if dispute.resolved_at is None or dispute.resolved_at > as_of:
                continue
            if dispute.outcome == DisputeOutcome.UPHELD:
                disp_upheld.add(weight)
            elif dispute.outcome == DisputeOutcome.REJECTED:
                deduct(CountedKind.DISPUTE_REJECTED, dispute.resolved_at, rules.dispute_rejected_points,
                       translatable("Dispute opened on {date} was rejected.",
                                    date=dispute.opened_at.date().isoformat()))

        points = None
        if is_scored:
            scored.add(weight)
            points = max(0, 100 - sum(d.points for d in deductions))
            points_weighted += weight * points
        lines.append(SaleLine(sale_ref=sale.sale_ref, hammer_on=hammer_on,
                              months_ago=whole_months_between(hammer_on, as_of_day), weight=weight,
                              scored=is_scored, points=points,
                              deductions=tuple(deductions) if is_scored else ()))

    score_exact = Fraction(points_weighted, scored.weighted) if scored.weighted else None
    is_new = scored.count < rules.min_sales
    score = None if is_new or score_exact is None else percent(score_exact / 100)
    if is_new:
        summary = translatable("New dealer — fewer than {min_sales} sales", min_sales=rules.min_sales)
    else:
        summary = translatable("Score {score} of 100 from {sales} sales in the last {months} months", score=score,
                               sales=scored.count, months=rules.window_months)
    counted = sorted((d for line in lines for d in line.deductions), key=lambda d: (d.at, d.sale_ref, d.kind))
    return DealerRecord(
        method=DEALER_METHOD, as_of=as_of, window_start=_window_start(as_of_day, rules.window_months), rules=rules,
        sales=tuple(lines), sales_won=won.count, sales_scored=scored.count,
        paid_on_time=_rate(paid_on_time, scored), collected_on_time=_rate(collected_on_time, collection_due),
        cancelled_unpaid=_rate(cancelled_unpaid, scored),
        adjustments_requested=_rate(adj_requested, won), adjustments_accepted=_rate(adj_accepted, won),
        disputes_opened=_rate(disp_opened, won), disputes_upheld=_rate(disp_upheld, won),
        disputes_rejected=sum(d.kind == CountedKind.DISPUTE_REJECTED for d in counted),
        median_days_to_pay=one_decimal(weighted_median(days_to_pay)) if days_to_pay else None,
        score_exact=score_exact, score=score, is_new=is_new, summary=summary, counted_against=tuple(counted),
        shown_not_scored=tuple(sorted(shown, key=lambda d: (d.at, d.sale_ref, d.kind))),
    )


# ---------------------------------------------------------------------------------------------------------------
# The inspector record


@dataclass(frozen=True)
class UpheldDispute:
    """A dispute upheld on a line (checklist item) of this report — it traces back to the inspector."""

    dispute_ref: str
    item_key: str
    upheld_at: datetime


@dataclass(frozen=True)
class ReportEvents:
    """One published report. `checked_at`: when the report had been tested by a sale — the car sold and the
    dispute window closed; None while the car is unsold or the window still open."""

    report_ref: str
    published_at: datetime
    checked_at: datetime | None = None
    upheld_disputes: tuple[UpheldDispute, ...] = ()
    odometer_flagged: bool = False
    odometer_confirmed_at: datetime | None = None
    vin_flagged: bool = False
    vin_confirmed_at: datetime | None = None

    def __post_init__(self):
        if self.odometer_confirmed_at is not None and not self.odometer_flagged:
            raise ValueError(f"report {self.report_ref}: an odometer flag confirmed but never raised")
        if self.vin_confirmed_at is not None and not self.vin_flagged:
            raise ValueError(f"report {self.report_ref}: a VIN flag confirmed but never raised")


@dataclass(frozen=True)
class InspectorRecordRules:
    min_reports: int = 10

    def __post_init__(self):
        require_int("min_reports", self.min_reports, minimum=1)


@dataclass(frozen=True)
class InspectorCountedEvent:
    report_ref: str
    dispute_ref: str
    item_key: str
    at: datetime
    text: Wording


@dataclass(frozen=True)
class InspectorRecord:
    method: str
    as_of: datetime
    rules: InspectorRecordRules
    reports_published: int
    reports_checked: int  # tested by a sale: window closed, or a dispute already upheld
    reports_upheld: int  # checked, with no upheld dispute tracing back to them
    disputes_upheld: int
    odometer_flags: int
    odometer_flags_confirmed: int
    vin_flags: int
    vin_flags_confirmed: int
    upheld_share: Fraction | None
    is_new: bool
    summary: Wording
    counted_against: tuple[InspectorCountedEvent, ...]


def inspector_record(reports: Iterable[ReportEvents], *, as_of: datetime,
                     rules: InspectorRecordRules = InspectorRecordRules()) -> InspectorRecord:
    """The inspector record as of `as_of`: every report they published up to then (no window, no weights)."""
    published = checked = upheld = disputes = 0
    odo = odo_ok = vin = vin_ok = 0
    counted: list[InspectorCountedEvent] = []
    for report in sorted(reports, key=lambda r: (r.published_at, r.report_ref)):
        if report.published_at > as_of:
            continue
        published += 1
        against = [d for d in report.upheld_disputes if d.upheld_at <= as_of]
        disputes += len(against)
        for dispute in against:
            counted.append(InspectorCountedEvent(
                report_ref=report.report_ref, dispute_ref=dispute.dispute_ref, item_key=dispute.item_key,
                at=dispute.upheld_at,
                text=translatable("Dispute upheld on report line “{line}”.", line=dispute.item_key)))
        if against or (report.checked_at is not None and report.checked_at <= as_of):
            checked += 1
            upheld += 0 if against else 1
        odo += report.odometer_flagged
        odo_ok += report.odometer_confirmed_at is not None and report.odometer_confirmed_at <= as_of
        vin += report.vin_flagged
        vin_ok += report.vin_confirmed_at is not None and report.vin_confirmed_at <= as_of
    share = Fraction(upheld, checked) if checked else None
    is_new = checked < rules.min_reports
    if is_new:
        summary = translatable("New inspector — fewer than {min_reports} reports checked",
                               min_reports=rules.min_reports)
    else:
        assert share is not None  # at least min_reports reports were checked
        summary = translatable("reports upheld: {share} of {checked}", share=translatable(
            "{percent}%", percent=percent(share)), checked=checked)
    counted.sort(key=lambda c: (c.at, c.report_ref, c.dispute_ref, c.item_key))
    return InspectorRecord(
        method=INSPECTOR_METHOD, as_of=as_of, rules=rules, reports_published=published, reports_checked=checked,
        reports_upheld=upheld, disputes_upheld=disputes, odometer_flags=odo, odometer_flags_confirmed=odo_ok,
        vin_flags=vin, vin_flags_confirmed=vin_ok, upheld_share=share, is_new=is_new, summary=summary,
        counted_against=tuple(counted),
    )
