"""The published repair-cost table: versioned data in inspections/repair_costs/<version>.json, read strictly.

For everything a report can call a defect — each item of the checklist version the table names, and each
damage-map panel × damage type — the table gives, per currency, what repairing a minor and a major defect
typically costs, with the basis of the figure (which repair it prices). A finding that the report did not
disclose is priced from this table and nothing else (payments/nochip.py); the dealer never types an amount.
An item may instead be marked not claimable, with the reason (e.g. a registration that does not match the
car is the VIN rule, not a repair). The basis of the figures is the file's `basis` text and
docs/fees-and-adjustments.md.

Keys: a checklist item by its key ("brakes.discs_front"); a damage-map entry as "damage.<panel>.<type>"
("damage.door_fl.dent"), the same key the grade explanation uses. Findings that one repair puts right share a
group (a panel's checklist verdict and its damage-map entries; front discs, front pads and "brakes straight"
on the test drive): a group counts once, at its most expensive finding.

Why in inspections and not payments: the table is keyed by the checklist and the damage map, which this app
owns, and is versioned against a checklist version; payments (higher in the app order) reads it, and the
report pages of this app may show it, which a table in payments would forbid.

A table is never edited in place: a change is a new version file. Loading refuses a table that misses an item
of its checklist (so a checklist version that gains an item cannot be used with an old table), names an item
or panel that does not exist, lacks a currency, or has a negative, zero or fractional amount, or a major
repair cheaper than a minor one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType

from core.datafile import DataFileInvalid, Reader, json_document_read
from core.money import MINOR_DIGITS, Money
from inspections.checklist import Checklist, ChecklistInvalid, Status, checklist_load
from inspections.report import DAMAGE_TYPES, PANEL_LABELS

TABLE_DIR = Path(__file__).resolve().parent / "repair_costs"
CURRENT_VERSION = "repair-costs-v1"
SEVERITIES = (Status.MINOR, Status.MAJOR)  # in rising order
DAMAGE_TYPE_LABELS = dict(DAMAGE_TYPES)


class RepairCostTableInvalid(DataFileInvalid):
    """The repair-cost table file is broken: the app refuses to use it."""


def damage_key(panel: str, damage_type: str) -> str:
    """The key of a damage-map entry, e.g. "damage.door_fl.dent"."""
    return f"damage.{panel}.{damage_type}"


def severity_rank(severity: str) -> int:
    """minor < major; anything else is not a defect severity."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(f"A severity is minor or major, not {severity!r}.")


@dataclass(frozen=True)
class RepairCost:
    key: str
    label: str
    group: str  # findings in one group are one repair
    basis: str  # which repair the figures price
    costs_minor: Mapping[str, Mapping[str, int]]  # currency -> severity -> amount; empty when not claimable
    not_claimable: str = ""  # the reason, when this item grounds no adjustment

    @property
    def claimable(self) -> bool:
        return not self.not_claimable

    def cost(self, severity: str, currency: str) -> Money:
        severity_rank(severity)
        if not self.claimable:
            raise ValueError(f"{self.key} is not claimable: {self.not_claimable}")
        try:
            return Money(self.costs_minor[currency][severity], currency)
        except KeyError:
            raise ValueError(f"The repair-cost table has no {currency} figures.")


@dataclass(frozen=True)
class RepairCostTable:
    version: str
    checklist_version: str
    effective_from: date
    currencies: tuple[str, ...]
    basis: str
    damage_basis: Mapping[str, str]
    entries: Mapping[str, RepairCost]  # by key: checklist items first (in checklist order), then the damage map

    def entry(self, key: str) -> RepairCost | None:
        return self.entries.get(key)


def _costs_parse(read: Reader, raw, where: str, currencies: tuple[str, ...]) -> Mapping[str, Mapping[str, int]]:
    read.object(raw, where, required=currencies)
    costs = {}
    for currency in currencies:
        at = f"{where}.{currency}"
        read.object(raw[currency], at, required=SEVERITIES)
        minor, major = (read.integer(raw[currency][s], f"{at}.{s}", minimum=1) for s in SEVERITIES)
        if major < minor:
            read.fail(f"{at}.major", f"a major repair ({major}) cannot cost less than a minor one ({minor})")
        costs[currency] = MappingProxyType({Status.MINOR: minor, Status.MAJOR: major})
    return MappingProxyType(costs)


def repair_cost_table_parse(doc, *, source: str, checklist: Checklist | None = None) -> RepairCostTable:
    """Build the table from the file's data. `checklist`: the checklist it must cover (default: the version the
    file names, loaded from inspections/checklists/)."""
    read = Reader(source, RepairCostTableInvalid)
    read.object(doc, "", required=("version", "checklist_version", "effective_from", "currencies", "basis",
                                   "damage_basis", "items", "damage"))
    checklist_version = read.text(doc["checklist_version"], "checklist_version")
    if checklist is None:
        try:
            checklist = checklist_load(checklist_version)
        except ChecklistInvalid as exc:
            read.fail("checklist_version", f"cannot load checklist {checklist_version!r}: {exc}")
    elif checklist.version != checklist_version:
        read.fail("checklist_version", f"says {checklist_version!r}, the checklist given is {checklist.version!r}")
    currencies = []
    for index, code in enumerate(read.items(doc["currencies"], "currencies")):
        if not isinstance(code, str) or code not in MINOR_DIGITS:
            read.fail(f"currencies[{index}]", f"unknown currency {code!r} (known: {', '.join(sorted(MINOR_DIGITS))})")
        if code in currencies:
            read.fail(f"currencies[{index}]", f"{code} is listed twice")
        currencies.append(code)
    currencies_t = tuple(currencies)

    entries: dict[str, RepairCost] = {}
    items = read.mapping(doc["items"], "items")
    unknown = [key for key in items if key not in checklist.by_key]
    if unknown:
        read.fail(f"items.{unknown[0]}", f"not an item of checklist {checklist.version}")
    missing = [item.key for item in checklist.items if item.key not in items]
    if missing:
        read.fail("items", f"checklist {checklist.version} items without a repair cost: {', '.join(missing)}")
    for item in checklist.items:  # checklist order
        if item.key.startswith("damage."):
            read.fail(f"items.{item.key}", "a checklist key may not start with 'damage.' (the damage map's keys)")
        where = f"items.{item.key}"
        raw = items[item.key]
        if isinstance(raw, dict) and "not_claimable" in raw:
            read.object(raw, where, required=("not_claimable",))
            entries[item.key] = RepairCost(key=item.key, label=item.label, group=item.key, basis="",
                                           costs_minor=MappingProxyType({}),
                                           not_claimable=read.text(raw["not_claimable"], f"{where}.not_claimable"))
            continue
        read.object(raw, where, required=("basis", "costs_minor"), optional=("group",))
        group = read.text(raw["group"], f"{where}.group") if "group" in raw else item.key
        entries[item.key] = RepairCost(key=item.key, label=item.label, group=group,
                                       basis=read.text(raw["basis"], f"{where}.basis"),
                                       costs_minor=_costs_parse(read, raw["costs_minor"], f"{where}.costs_minor",
                                                                currencies_t))

    damage_basis = read.object(doc["damage_basis"], "damage_basis", required=tuple(DAMAGE_TYPE_LABELS))
    damage = read.object(doc["damage"], "damage", required=tuple(PANEL_LABELS))
    for panel, panel_label in PANEL_LABELS.items():
        types = read.object(damage[panel], f"damage.{panel}", required=tuple(DAMAGE_TYPE_LABELS))
        for damage_type, type_label in DAMAGE_TYPE_LABELS.items():
            where = f"damage.{panel}.{damage_type}"
            read.object(types[damage_type], where, required=("costs_minor",))
            key = damage_key(panel, damage_type)
            entries[key] = RepairCost(
                key=key, label=f"{panel_label}: {type_label.lower()}", group=f"panel:{panel}",
                basis=read.text(damage_basis[damage_type], f"damage_basis.{damage_type}"),
                costs_minor=_costs_parse(read, types[damage_type]["costs_minor"], f"{where}.costs_minor",
                                         currencies_t))

    return RepairCostTable(
        version=read.text(doc["version"], "version"), checklist_version=checklist_version,
        effective_from=read.iso_date(doc["effective_from"], "effective_from"), currencies=currencies_t,
        basis=read.text(doc["basis"], "basis"),
        damage_basis=MappingProxyType({t: read.text(damage_basis[t], f"damage_basis.{t}") for t in DAMAGE_TYPE_LABELS}),
        entries=MappingProxyType(entries),
    )


@cache
def repair_cost_table_load(version: str = CURRENT_VERSION) -> RepairCostTable:
    """The table of `version` from inspections/repair_costs/<version>.json; the file must say it is that version."""
    if not version.replace("-", "").replace("_", "").isalnum():
        raise RepairCostTableInvalid(f"{version!r}", "", "not a repair-cost table version")
    path = TABLE_DIR / f"{version}.json"
    table = repair_cost_table_parse(json_document_read(path, error=RepairCostTableInvalid), source=path.name)
    if table.version != version:
        raise RepairCostTableInvalid(path.name, "version", f"says {table.version!r}, the file name says {version!r}")
    return table


def disclosed_defects(content: dict) -> dict[str, str]:
    """What a published report disclosed, as key -> severity: every checklist item answered minor or major and
    every damage-map entry (the worst, if one panel has two entries of one type). `content`: the report's
    canonical content (inspections.report.report_content)."""
    disclosed: dict[str, str] = {}

    def note(key: str, severity) -> None:
        if severity in SEVERITIES and (key not in disclosed or severity_rank(severity) > severity_rank(disclosed[key])):
            disclosed[key] = severity

    for key, entry in (content.get("items") or {}).items():
        note(key, (entry or {}).get("status"))
    for entry in content.get("damage") or []:
        note(damage_key(entry.get("panel"), entry.get("type")), entry.get("severity"))
    return disclosed
