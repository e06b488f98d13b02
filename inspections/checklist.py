"""The inspection checklist: versioned data in inspections/checklists/<version>.json, validated on load.

A report records which version it was filled against; a new or changed item means a new file,
so a published report can always be read against the exact list its inspector saw.

Item kinds: "condition" (the inspector picks ok / minor / major / not applicable), "measure"
(a Decimal value, e.g. tread depth in mm) and "count" (a whole number, e.g. keys). The status of
a measure or count is derived from its value and thresholds: below `major_below` is major, below
`minor_below` is minor, otherwise ok. Values are Decimal, never float.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CHECKLIST_DIR = Path(__file__).resolve().parent / "checklists"
CURRENT_VERSION = "v1"
MIN_ITEMS = 120

# The categories a checklist must use, in report order (grading.py weighs each one).
CATEGORIES = (
    "exterior_panels", "paint", "glass_lights", "tyres_wheels", "brakes", "interior", "electrics", "engine",
    "transmission", "suspension_steering", "underbody", "documents", "test_drive",
)
KINDS = ("condition", "measure", "count")
# Larger than any measurement or count on a car could be; a value beyond it is out of range whatever the item.
MEASURE_MAGNITUDE_MAX = Decimal(10) ** 15


class Status:
    OK = "ok"
    MINOR = "minor"
    MAJOR = "major"
    NA = "na"
    ALL = (OK, MINOR, MAJOR, NA)
    LABELS = {OK: gettext_lazy("OK"), MINOR: gettext_lazy("Minor"), MAJOR: gettext_lazy("Major"),
              NA: gettext_lazy("Not applicable")}


class ChecklistInvalid(Exception):
    """The checklist file is broken: the app refuses to use it."""


def _broken(text: str) -> ChecklistInvalid:
    """A broken checklist file: a message for the operator who edits it (in English, like the file), never for an
    inspector or a dealer."""
    return ChecklistInvalid(text)


@dataclass(frozen=True)
class Item:
    key: str
    category: str
    label: str
    required: bool
    kind: str
    unit: str = ""
    decimals: int = 0
    major_below: Decimal | None = None
    minor_below: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None

    @property
    def display_label(self) -> str:
        """The label in the reader's language (inspections.checklist_texts collects every label for translation)."""
        return _(self.label)

    @property
    def display_unit(self) -> str:
        """The unit as people read it: "mm" stays, "keys" is a word to translate."""
        return _(self.unit) if self.unit and self.unit != "mm" else self.unit

    @property
    def is_condition(self) -> bool:
        return self.kind == "condition"

    def parse_value(self, raw) -> Decimal:
        """The value as a Decimal at the item's precision; ValueError with a message if it is not one."""
        if isinstance(raw, float):
            raise ValueError(_("Send the value as a string or an integer, not a float."))
        try:
            value = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(_("Enter a number."))
        if not value.is_finite():
            raise ValueError(_("Enter a number."))
        out_of_range = ValueError((_("Enter a value from %(min)s to %(max)s %(unit)s.") % {
            "min": self.min, "max": self.max, "unit": self.display_unit}).replace("  ", " ").replace(" .", "."))
        # No measurement comes near 10^15; rounding 1e30 (or a number of 5,000 digits) to the item's precision
        # would need more digits than decimal arithmetic carries (InvalidOperation), so such a value stops here.
        if value.copy_abs() > MEASURE_MAGNITUDE_MAX:  # copy_abs: no context, so no overflow on 1e999999999
            raise out_of_range
        if self.kind == "count" and value != value.to_integral_value():
            raise ValueError(_("Enter a whole number."))
        value = value.quantize(Decimal(1).scaleb(-self.decimals))
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise out_of_range
        return value

    def status_for(self, value: Decimal) -> str:
        if self.major_below is not None and value < self.major_below:
            return Status.MAJOR
        if self.minor_below is not None and value < self.minor_below:
            return Status.MINOR
        return Status.OK


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    items: tuple[Item, ...] = field(default_factory=tuple)

    @property
    def display_label(self) -> str:
        return _(self.label)


@dataclass(frozen=True)
class Checklist:
    version: str
    categories: tuple[Category, ...]
    items: tuple[Item, ...]
    by_key: dict

    @property
    def required_keys(self) -> list[str]:
        return [item.key for item in self.items if item.required]

    def category_label(self, key: str) -> str:
        return next((c.label for c in self.categories if c.key == key), key)

    def category_display_label(self, key: str) -> str:
        """The category's name in the reader's language."""
        return _(self.category_label(key))


def _decimal(raw, where: str) -> Decimal | None:
    if raw is None:
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise _broken(f"{where}: {raw!r} is not a number")


def checklist_parse(doc: dict, *, min_items: int = MIN_ITEMS) -> Checklist:
    """Build a Checklist from the file's data, refusing anything inconsistent."""
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        raise _broken("the checklist has no version")
    category_labels = {}
    for entry in doc.get("categories", []):
        if entry.get("key") not in CATEGORIES:
            raise _broken(f"unknown category {entry.get('key')!r}")
        category_labels[entry["key"]] = entry.get("label") or entry["key"]
    missing_categories = [c for c in CATEGORIES if c not in category_labels]
    if missing_categories:
        raise _broken(f"categories missing: {', '.join(missing_categories)}")
    items, seen = [], set()
    for raw in doc.get("items", []):
        key = raw.get("key")
        if not key or not isinstance(key, str):
            raise _broken("an item has no key")
        if key in seen:
            raise _broken(f"duplicate item key {key!r}")
        seen.add(key)
        if raw.get("category") not in category_labels:
            raise _broken(f"{key}: unknown category {raw.get('category')!r}")
        if raw.get("kind") not in KINDS:
            raise _broken(f"{key}: unknown kind {raw.get('kind')!r}")
        if not raw.get("label"):
            raise _broken(f"{key}: no label")
        item = Item(
            key=key, category=raw["category"], label=raw["label"], required=bool(raw.get("required", True)),
            kind=raw["kind"], unit=raw.get("unit", ""), decimals=int(raw.get("decimals", 0)),
            major_below=_decimal(raw.get("major_below"), key), minor_below=_decimal(raw.get("minor_below"), key),
            min=_decimal(raw.get("min"), key), max=_decimal(raw.get("max"), key),
        )
        if item.kind != "condition" and item.major_below is not None and item.minor_below is not None \
                and item.major_below > item.minor_below:
            raise _broken(f"{key}: major_below must not exceed minor_below")
        items.append(item)
    if len(items) < min_items:
        raise _broken(f"the checklist has {len(items)} items; at least {min_items} are required")
    categories = tuple(
        Category(key=c, label=category_labels[c], items=tuple(i for i in items if i.category == c))
        for c in CATEGORIES
    )
    empty = [c.key for c in categories if not c.items]
    if empty:
        raise _broken(f"categories without items: {', '.join(empty)}")
    return Checklist(version=version, categories=categories, items=tuple(items),
                     by_key={item.key: item for item in items})


@cache
def checklist_load(version: str = CURRENT_VERSION) -> Checklist:
    if not version.replace("-", "").replace("_", "").isalnum():
        raise _broken(f"bad checklist version {version!r}")
    path = CHECKLIST_DIR / f"{version}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _broken(f"no checklist file for version {version!r}")
    except json.JSONDecodeError as exc:
        raise _broken(f"{path.name} is not valid JSON: {exc}")
    checklist = checklist_parse(doc)
    if checklist.version != version:
        raise _broken(f"{path.name} says it is version {checklist.version!r}")
    return checklist
