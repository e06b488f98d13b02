"""The no-chip rules: after the hammer the price moves only for what the report did not disclose, by the published
repair-cost table (inspections/repair_cost.py) and fee schedule (payments/fee_schedule.py). Pure functions:
the same inputs always give the same computation; no settings, no clock, no database. The rules in words:
docs/fees-and-adjustments.md.

Each finding gets one decision — claimable, not claimable, or refused — with the first reason that applies:
1. an item the table does not know: refused (unknown_item);
2. recorded outside the window (the collection, or the dispute window after the handover): refused
   (outside_window);
3. an item the table marks not claimable: not claimable (not_claimable_item), with the table's reason;
4. the report disclosed the same item at the same or a higher severity: not claimable (disclosed);
5. the report disclosed a repair of the same group that costs as much (a panel's checklist verdict covers its
   damage-map entries and the other way round; front discs cover front pads): not claimable
   (covered_by_disclosed);
6. no photo: refused (no_photo) — asked for last, so a photo is only asked for when it would make a difference;
7. otherwise claimable: the table's cost, less the cost of the most expensive repair the report disclosed in the
   same group (undisclosed, or worse_than_disclosed when something was deducted).
Then one repair per group: of a group's claimable findings only the most expensive counts (the earliest on a
tie); the others are not claimable (same_repair).

The computation: subtotal = the counted amounts; the deductible is applied once per sale (what an earlier
accepted adjustment used of it is not applied again); the result is floored at nothing and capped at what is
left of the hammer price after earlier adjustments. Below the published minimum nothing can be claimed.
At the collection check a VIN that does not match, or an odometer reading beyond the published margin, cancels
the sale without a fee for the dealer instead (the VIN first: it is not the car that was sold).

Fees are not part of this: they are computed on the hammer price (fee_schedule.sale_amounts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.money import Money
from inspections.repair_cost import RepairCostTable, severity_rank
from marketplace.validators import vin_normalise
from payments.fee_schedule import FeeSchedule

MIN_PHOTOS = 1


class Decision(StrEnum):
    CLAIMABLE = "claimable"
    NOT_CLAIMABLE = "not_claimable"
    REFUSED = "refused"


class Reason(StrEnum):
    UNDISCLOSED = "undisclosed"
    WORSE_THAN_DISCLOSED = "worse_than_disclosed"
    DISCLOSED = "disclosed"
    COVERED_BY_DISCLOSED = "covered_by_disclosed"
    NOT_CLAIMABLE_ITEM = "not_claimable_item"
    SAME_REPAIR = "same_repair"
    UNKNOWN_ITEM = "unknown_item"
    OUTSIDE_WINDOW = "outside_window"
    NO_PHOTO = "no_photo"


class Outcome(StrEnum):
    CLAIM = "claim"  # the computed amount may be requested (an adjustment) or refunded (a dispute)
    NOTHING_TO_CLAIM = "nothing_to_claim"  # no claimable finding, or all within the deductible
    BELOW_MINIMUM = "below_minimum"
    CANCEL_VIN_MISMATCH = "cancel_vin_mismatch"  # collection check: cancel without a fee for the dealer
    CANCEL_ODOMETER = "cancel_odometer"  # collection check: cancel without a fee for the dealer


def _aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a datetime with a time zone.")
    return moment


@dataclass(frozen=True)
class Finding:
    """What the dealer recorded: an item (checklist key or "damage.<panel>.<type>"), its severity, how many
    photos show it and when it was recorded."""

    key: str
    severity: str
    photos: int
    recorded_at: datetime

    def __post_init__(self):
        if not isinstance(self.key, str) or not self.key:
            raise ValueError("A finding names an item.")
        severity_rank(self.severity)
        if isinstance(self.photos, bool) or not isinstance(self.photos, int) or self.photos < 0:
            raise ValueError("photos is a count.")
        _aware(self.recorded_at, "recorded_at")


@dataclass(frozen=True)
class ClaimWindow:
    """When findings count: from `opens_at` to `closes_at`, both included (the collection; or the handover to
    the end of the dispute window)."""

    opens_at: datetime
    closes_at: datetime

    def __post_init__(self):
        if _aware(self.opens_at, "opens_at") > _aware(self.closes_at, "closes_at"):
            raise ValueError("A window closes after it opens.")

    def contains(self, moment: datetime) -> bool:
        return self.opens_at <= moment <= self.closes_at


@dataclass(frozen=True)
class FindingDecision:
    key: str
    label: str
    severity: str
    photos: int
    recorded_at: datetime
    decision: Decision
    reason: Reason
    detail: str  # the reason in words, for the people on both sides (English, as recorded)
    group: str
    table_cost_minor: int | None  # the table's figure for this item and severity (None: not priced)
    credit_minor: int  # the disclosed repair of its group, already in the hammer price
    amount_minor: int  # what it adds to the subtotal
    detail_text: dict | None = None  # `detail` for each reader's language (payments.selectors.finding_detail)

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "severity": self.severity, "photos": self.photos,
                "recorded_at": self.recorded_at.isoformat(), "decision": str(self.decision),
                "reason": str(self.reason), "detail": self.detail, "group": self.group,
                "table_cost_minor": self.table_cost_minor, "credit_minor": self.credit_minor,
                "amount_minor": self.amount_minor, "detail_text": self.detail_text}


@dataclass(frozen=True)
class OdometerCheck:
    reported_km: int
    collection_km: int
    margin_km: int

    @property
    def difference_km(self) -> int:
        return abs(self.collection_km - self.reported_km)

    @property
    def beyond_margin(self) -> bool:
        """More than the margin away from the report, either way (exactly the margin is fine)."""
        return self.difference_km > self.margin_km

    def as_dict(self) -> dict:
        return {"reported_km": self.reported_km, "collection_km": self.collection_km, "margin_km": self.margin_km,
                "difference_km": self.difference_km, "beyond_margin": self.beyond_margin}


@dataclass(frozen=True)
class VinCheck:
    expected: str
    found: str

    @property
    def matches(self) -> bool:
        return vin_normalise(self.expected) == vin_normalise(self.found)

    def as_dict(self) -> dict:
        return {"expected": vin_normalise(self.expected), "found": vin_normalise(self.found), "matches": self.matches}


@dataclass(frozen=True)
class Computation:
    """Everything a page shows as "the computation", and the amount that may be claimed."""

    outcome: Outcome
    currency: str
    hammer_minor: int
    findings: tuple[FindingDecision, ...]
    subtotal_minor: int  # the counted findings
    deductible_minor: int  # the published deductible per sale
    deductible_applied_minor: int  # what this computation takes off (the rest of it, once per sale)
    cap_minor: int  # the hammer price less earlier adjustments
    computed_minor: int  # max(0, min(cap, subtotal − deductible applied))
    minimum_minor: int
    amount_minor: int  # what may be claimed: computed_minor when the outcome is CLAIM, otherwise 0
    schedule_version: str
    table_version: str
    odometer: OdometerCheck | None = None
    vin: VinCheck | None = None

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    def claimed(self) -> dict[str, str]:
        """The findings this computation pays for (key -> severity): once accepted, they count as disclosed for
        every later claim on the sale (disclosures_merge)."""
        if self.outcome != Outcome.CLAIM:
            return {}
        return {f.key: f.severity for f in self.findings if f.decision == Decision.CLAIMABLE}

    def as_dict(self) -> dict:
        return {
            "outcome": str(self.outcome), "currency": self.currency, "hammer_minor": self.hammer_minor,
            "findings": [f.as_dict() for f in self.findings], "subtotal_minor": self.subtotal_minor,
            "deductible_minor": self.deductible_minor, "deductible_applied_minor": self.deductible_applied_minor,
            "cap_minor": self.cap_minor, "computed_minor": self.computed_minor, "minimum_minor": self.minimum_minor,
            "amount_minor": self.amount_minor, "schedule_version": self.schedule_version,
            "table_version": self.table_version,
            "odometer": self.odometer.as_dict() if self.odometer else None,
            "vin": self.vin.as_dict() if self.vin else None,
        }


def disclosures_merge(*maps: Mapping[str, str]) -> dict[str, str]:
    """Several key -> severity maps as one, keeping the worse severity of a key (the report's disclosures and
    what earlier accepted claims on the sale paid for)."""
    merged: dict[str, str] = {}
    for disclosed in maps:
        for key, severity in disclosed.items():
            if key not in merged or severity_rank(severity) > severity_rank(merged[key]):
                merged[key] = severity
    return merged


def translatable(msgid: str, /, **params: Any) -> dict:
    """A reason in words for every reader: core.i18n's translatable (its JSON shape, read by core.i18n.render),
    built here without Django so the rules stay pure; makemessages collects the msgid by this name."""
    return {"msgid": msgid, "params": {name: {"money": value.amount_minor, "currency": value.currency}
                                       if isinstance(value, Money) else value for name, value in params.items()}}


def _english(text: dict) -> str:
    """A translatable as recorded: in English (the msgid), money as en-gb writes it."""
    def param(value):
        if isinstance(value, dict) and "money" in value:
            return Money(value["money"], value["currency"]).format(language="en-gb")
        return _english(value) if isinstance(value, dict) else value

    return text["msgid"].format(**{name: param(value) for name, value in text["params"].items()})


# The severities as words in a sentence, in the reader's language.
SEVERITY_WORDS = {"minor": translatable("minor"), "major": translatable("major")}


def _severity(severity: str) -> dict | str:
    return SEVERITY_WORDS.get(severity, severity)


def _decide(finding: Finding, *, disclosed: Mapping[str, str], credits: Mapping[str, tuple[int, str]],
            window: ClaimWindow, table: RepairCostTable, currency: str) -> FindingDecision:
    entry = table.entry(finding.key)

    def decided(decision, reason, detail: str | dict, *, cost=None, credit=0, amount=0):
        return FindingDecision(
            key=finding.key, label=entry.label if entry else finding.key, severity=finding.severity,
            photos=finding.photos, recorded_at=finding.recorded_at, decision=decision, reason=reason,
            detail=detail if isinstance(detail, str) else _english(detail),
            detail_text=None if isinstance(detail, str) else detail,
            group=entry.group if entry else finding.key, table_cost_minor=cost, credit_minor=credit,
            amount_minor=amount)

    if entry is None:
        return decided(Decision.REFUSED, Reason.UNKNOWN_ITEM,
                       translatable("Not an item of the checklist or the damage map."))
    if not window.contains(finding.recorded_at):
        return decided(Decision.REFUSED, Reason.OUTSIDE_WINDOW, translatable("Recorded outside the window for claims."))
    if not entry.claimable:  # the table's own words
        return decided(Decision.NOT_CLAIMABLE, Reason.NOT_CLAIMABLE_ITEM, entry.not_claimable)
    cost = entry.cost(finding.severity, currency).amount_minor
    reported = disclosed.get(finding.key)
    if reported is not None and severity_rank(reported) >= severity_rank(finding.severity):
        return decided(Decision.NOT_CLAIMABLE, Reason.DISCLOSED,
                       translatable("Disclosed as {severity}: already in the price.", severity=_severity(reported)),
                       cost=cost)
    credit, credit_key = credits.get(entry.group, (0, ""))
    if credit and cost <= credit:
        covering = table.entries[credit_key]
        return decided(Decision.NOT_CLAIMABLE, Reason.COVERED_BY_DISCLOSED,
                       translatable("{covering} ({severity}) is already in the price; its repair ({credit}) puts "
                                    "this right too.", covering=covering.label,
                                    severity=_severity(disclosed[credit_key]), credit=Money(credit, currency)),
                       cost=cost, credit=credit)
    if finding.photos < MIN_PHOTOS:
        return decided(Decision.REFUSED, Reason.NO_PHOTO, translatable("A finding needs at least one photo."),
                       cost=cost, credit=credit)
    if credit:
        covering = table.entries[credit_key]
        return decided(Decision.CLAIMABLE, Reason.WORSE_THAN_DISCLOSED,
                       translatable("Worse than disclosed: {cost} less {covering} ({severity}, {credit}), already "
                                    "in the price.", cost=Money(cost, currency), covering=covering.label,
                                    severity=_severity(disclosed[credit_key]), credit=Money(credit, currency)),
                       cost=cost, credit=credit, amount=cost - credit)
    return decided(Decision.CLAIMABLE, Reason.UNDISCLOSED,
                   translatable("Not in the report: the table's {severity} repair costs {cost}.",
                                severity=_severity(finding.severity), cost=Money(cost, currency)),
                   cost=cost, amount=cost)


def _group_credits(disclosed: Mapping[str, str], table: RepairCostTable, currency: str) -> dict[str, tuple[int, str]]:
    """Per group, the most expensive repair the report disclosed (amount, key); ties by key."""
    credits: dict[str, tuple[int, str]] = {}
    for key in sorted(disclosed):
        entry = table.entry(key)
        if entry is None or not entry.claimable:
            continue
        amount = entry.cost(disclosed[key], currency).amount_minor
        if amount > credits.get(entry.group, (0, ""))[0]:
            credits[entry.group] = (amount, key)
    return credits


def claim_compute(*, hammer: Money, disclosed: Mapping[str, str], findings: Iterable[Finding], window: ClaimWindow,
                  table: RepairCostTable, schedule: FeeSchedule, earlier_adjustments_minor: int = 0,
                  deductible_used_minor: int = 0) -> Computation:
    """The decision on every finding and the amount that may be claimed: an adjustment request at the collection
    check or a dispute after the handover (the same eligibility).

    `disclosed`: key -> "minor" | "major", what the report disclosed (inspections.repair_cost.disclosed_defects),
    merged with what earlier accepted claims on the sale paid for (disclosures_merge, Computation.claimed).
    `earlier_adjustments_minor`, `deductible_used_minor`: what earlier accepted claims on the sale took off the
    price and used of the deductible (Computation.amount_minor, .deductible_applied_minor)."""
    currency = hammer.currency
    if hammer.amount_minor <= 0:
        raise ValueError("A hammer price is positive.")
    if currency not in table.currencies:
        raise ValueError(f"The repair-cost table {table.version} has no {currency} figures.")
    fees = schedule.for_currency(currency)
    for name, value in (("earlier_adjustments_minor", earlier_adjustments_minor),
                        ("deductible_used_minor", deductible_used_minor)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} is a whole number ≥ 0.")
    if earlier_adjustments_minor > hammer.amount_minor:
        raise ValueError("Earlier adjustments cannot exceed the hammer price.")
    for severity in disclosed.values():
        severity_rank(severity)

    credits = _group_credits(disclosed, table, currency)
    decisions = [_decide(f, disclosed=disclosed, credits=credits, window=window, table=table, currency=currency)
                 for f in findings]

    # One repair per group: the most expensive claimable finding counts, the earliest on a tie.
    counted: dict[str, int] = {}
    for index, d in enumerate(decisions):
        if d.decision == Decision.CLAIMABLE and (d.group not in counted
                                                 or d.amount_minor > decisions[counted[d.group]].amount_minor):
            counted[d.group] = index
    for index, d in enumerate(decisions):
        if d.decision == Decision.CLAIMABLE and counted[d.group] != index:
            winner = decisions[counted[d.group]]
            detail = translatable("One repair with {winner} ({severity}), which is counted.", winner=winner.label,
                                  severity=_severity(winner.severity))
            decisions[index] = replace(
                d, decision=Decision.NOT_CLAIMABLE, reason=Reason.SAME_REPAIR, amount_minor=0,
                detail=_english(detail), detail_text=detail)

    subtotal = sum(d.amount_minor for d in decisions)
    applied = min(max(fees.deductible_minor - deductible_used_minor, 0), subtotal)
    cap = hammer.amount_minor - earlier_adjustments_minor
    computed = min(subtotal - applied, cap)
    if computed == 0:
        outcome = Outcome.NOTHING_TO_CLAIM
    elif computed < fees.minimum_claim_minor:
        outcome = Outcome.BELOW_MINIMUM
    else:
        outcome = Outcome.CLAIM
    return Computation(
        outcome=outcome, currency=currency, hammer_minor=hammer.amount_minor, findings=tuple(decisions),
        subtotal_minor=subtotal, deductible_minor=fees.deductible_minor, deductible_applied_minor=applied,
        cap_minor=cap, computed_minor=computed, minimum_minor=fees.minimum_claim_minor,
        amount_minor=computed if outcome == Outcome.CLAIM else 0, schedule_version=schedule.version,
        table_version=table.version)


def collection_check_compute(*, hammer: Money, disclosed: Mapping[str, str], findings: Iterable[Finding],
                             window: ClaimWindow, table: RepairCostTable, schedule: FeeSchedule, expected_vin: str,
                             vin_on_car: str, reported_odometer_km: int, odometer_km: int) -> Computation:
    """The collection check: the VIN and the odometer first, then the findings as claim_compute (the first claim
    on a sale: nothing adjusted or used of the deductible before). The findings are decided either way, so the
    page can show them; a cancel outcome claims nothing."""
    for name, value in (("reported_odometer_km", reported_odometer_km), ("odometer_km", odometer_km)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} is a whole number of km ≥ 0.")
    if not vin_normalise(expected_vin) or not vin_normalise(vin_on_car):
        raise ValueError("Both VINs are needed.")
    vin = VinCheck(expected=expected_vin, found=vin_on_car)
    odometer = OdometerCheck(reported_km=reported_odometer_km, collection_km=odometer_km,
                             margin_km=schedule.odometer_margin_km)
    result = claim_compute(hammer=hammer, disclosed=disclosed, findings=findings, window=window, table=table,
                           schedule=schedule)
    cancel = (Outcome.CANCEL_VIN_MISMATCH if not vin.matches
              else Outcome.CANCEL_ODOMETER if odometer.beyond_margin else None)
    if cancel:
        return replace(result, vin=vin, odometer=odometer, outcome=cancel, amount_minor=0)
    return replace(result, vin=vin, odometer=odometer)
