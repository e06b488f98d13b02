"""The report's data: the draft's shape, its validation, the canonical content and its fingerprint.

Draft (Inspection.draft), edited piece by piece while the inspector works:
    {"items": {key: {"status": "ok"|"minor"|"major"|"na", "note": str, "value": "4.5"|None}},
     "facts": {"odometer_km": int, "vin_on_car": str, "accident": bool, "flood": bool, "fire": bool},
     "damage": [{"id": hex, "panel": str, "type": str, "severity": "minor"|"major", "note": str}]}

Canonical content (InspectionReport.content) is what the fingerprint covers: the checklist and
formula versions, the listing's identity facts, every answered item, the damage map, the facts,
the SHA-256 of every photo's stored bytes, the computed result and flags. It holds no timestamps
and no database ids of photos or damage entries, so re-saving the same answers gives the same
fingerprint, and any change of an answer, a note, a fact, a damage entry or a photo's bytes gives
a different one.
"""

import hashlib
import json
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from inspections.checklist import Checklist, Status
from inspections.grading import FORMULA_VERSION, grade_compute

# The vocabulary lives in inspections.words; its names are the report's too (callers read report.panel_label, ...).
from inspections.words import (  # noqa: F401
    DAMAGE_TYPE_WORDS,
    DAMAGE_TYPES,
    FACT_LABELS,
    FACTS,
    PANEL_LABELS,
    PANELS,
    SEVERITIES,
    damage_type_label,
    damage_type_word,
    fact_label,
    panel_in_sentence,
    panel_label,
)
from marketplace.validators import vin_normalise

MAX_ODOMETER_KM = 2_000_000
NOTE_MAX = 1000


def draft_empty() -> dict:
    return {"items": {}, "facts": {}, "damage": []}


def _draft(draft: dict | None) -> dict:
    base, stored = draft_empty(), draft or {}
    for name in base:
        if isinstance(stored.get(name), type(base[name])):
            base[name] = json.loads(json.dumps(stored[name]))  # a deep copy; the stored draft stays untouched
    return base


def _item_apply(item, current: dict, change: dict) -> tuple[dict | None, list[str]]:
    """The new stored entry for one item (None: cleared), or error messages."""
    if not isinstance(change, dict):
        return current, [_("Send an object with status, note and/or value.")]
    unknown = set(change) - {"status", "note", "value"}
    if unknown:
        return current, [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}]
    entry = dict(current)
    if "note" in change:
        note = change["note"]
        if note is not None and not isinstance(note, str):
            return current, [_("The note must be text.")]
        note = (note or "").strip()
        if len(note) > NOTE_MAX:
            return current, [_("The note may be at most %(limit)s characters.") % {"limit": NOTE_MAX}]
        entry["note"] = note
    if item.is_condition:
        if "value" in change and change["value"] not in (None, ""):
            return current, [_("This item takes a status, not a value.")]
        if "status" in change:
            status = change["status"]
            if status in (None, ""):
                entry.pop("status", None)
            elif status not in Status.ALL:
                return current, [_("Status must be one of: %(choices)s.") % {"choices": ", ".join(Status.ALL)}]
            else:
                entry["status"] = status
    else:
        status = change.get("status")
        if "status" in change and status not in (None, "", Status.NA):
            return current, [_("Enter the measurement; its status follows from the value (or mark it na).")]
        if "value" in change and change["value"] not in (None, ""):
            try:
                value = item.parse_value(change["value"])
            except ValueError as exc:
                return current, [str(exc)]
            entry["value"] = str(value)
            entry["status"] = item.status_for(value)
        elif status == Status.NA:
            entry["value"] = None
            entry["status"] = Status.NA
        elif "value" in change or ("status" in change and status in (None, "")):
            entry.pop("value", None)
            entry.pop("status", None)
    if "status" not in entry and not entry.get("note"):
        return None, []
    entry.setdefault("note", "")
    if not item.is_condition:
        entry.setdefault("value", None)
    return entry, []


def _fact_clean(name: str, value):
    if value is None or value == "":
        return None
    if name == "odometer_km":
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError(_("Enter the reading in whole kilometres."))
        try:
            number = int(str(value).strip().replace(" ", "").replace(",", "").replace(".", ""))
        except ValueError:
            raise ValueError(_("Enter the reading in whole kilometres."))
        if not 0 <= number <= MAX_ODOMETER_KM:
            raise ValueError(_("Enter a reading from 0 to %(most)s km.")
                             % {"most": number_format(MAX_ODOMETER_KM, force_grouping=True)})
        return number
    if name == "vin_on_car":
        text = vin_normalise(value) if isinstance(value, str) else None
        if not text or len(text) > 20:
            raise ValueError(_("Enter the VIN as stamped on the car (up to 20 characters)."))
        return text
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "0", "off"):
        return False
    raise ValueError(_("Answer yes or no."))


def draft_merge(draft: dict | None, *, checklist: Checklist, items: dict | None = None,
                facts: dict | None = None) -> tuple[dict, dict]:
    """Apply a partial save. Returns (new draft, errors by field); with errors, use nothing of it."""
    new, errors = _draft(draft), {}
    for key, change in (items or {}).items():
        item = checklist.by_key.get(key)
        if item is None:
            errors[f"items.{key}"] = [_("No such checklist item.")]
            continue
        entry, messages = _item_apply(item, new["items"].get(key, {}), change)
        if messages:
            errors[f"items.{key}"] = messages
        elif entry is None:
            new["items"].pop(key, None)
        else:
            new["items"][key] = entry
    for name, value in (facts or {}).items():
        if name not in FACTS:
            errors[f"facts.{name}"] = [_("No such fact.")]
            continue
        try:
            cleaned = _fact_clean(name, value)
        except ValueError as exc:
            errors[f"facts.{name}"] = [str(exc)]
            continue
        if cleaned is None:
            new["facts"].pop(name, None)
        else:
            new["facts"][name] = cleaned
    return new, errors


def damage_entry_clean(*, panel, type, severity, note="") -> tuple[dict, dict]:  # noqa: A002 - the domain word
    errors = {}
    if panel not in PANEL_LABELS:
        errors["panel"] = [_("Choose a panel from the list.")]
    if type not in dict(DAMAGE_TYPES):
        errors["type"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(k for k, _label in DAMAGE_TYPES)}]
    if severity not in dict(SEVERITIES):
        errors["severity"] = [_("Choose minor or major.")]
    note = (note or "").strip() if isinstance(note, str) or note is None else None
    if note is None or len(note) > NOTE_MAX:
        errors["note"] = [_("The note must be text of at most %(limit)s characters.") % {"limit": NOTE_MAX}]
    return {"panel": panel, "type": type, "severity": severity, "note": note or ""}, errors


def draft_missing(draft: dict | None, *, checklist: Checklist, photo_targets: set[str]) -> dict:
    """What still blocks publication, by field, each with a message naming it."""
    draft = _draft(draft)
    missing = {}
    for item in checklist.items:
        if item.required and draft["items"].get(item.key, {}).get("status") is None:
            missing[f"items.{item.key}"] = [_("%(category)s: “%(item)s” is required.") % {
                "category": checklist.category_display_label(item.category), "item": item.display_label}]
    for name in FACTS:
        if draft["facts"].get(name) is None:
            missing[f"facts.{name}"] = [_("%(fact)s is required.") % {"fact": fact_label(name)}]
    if "odometer" not in photo_targets:
        missing["facts.odometer_photo"] = [_("A photo of the odometer is required.")]
    return missing


def draft_progress(draft: dict | None, *, checklist: Checklist) -> tuple[int, int]:
    """(required items answered, required items) for the progress bar."""
    answered = _draft(draft)["items"]
    required = checklist.required_keys
    return sum(1 for key in required if answered.get(key, {}).get("status")), len(required)


def report_flags(*, facts: dict, listing_vin: str, listing_mileage_km: int | None, margin_km: int) -> dict:
    """The automatic warnings for staff. Odometer: more than `margin_km` away from the seller's figure
    (exactly the margin is fine)."""
    odometer = facts.get("odometer_km")
    difference = abs(odometer - listing_mileage_km) if odometer is not None and listing_mileage_km is not None \
        else None
    vin_on_car = facts.get("vin_on_car")
    return {
        "odometer": difference is not None and difference > margin_km,
        "odometer_difference_km": difference,
        "odometer_margin_km": margin_km,
        "vin_mismatch": vin_on_car is not None and vin_normalise(vin_on_car) != vin_normalise(listing_vin),
        "accident": bool(facts.get("accident")),
        "flood": bool(facts.get("flood")),
        "fire": bool(facts.get("fire")),
    }


def report_content(*, draft: dict | None, checklist: Checklist, listing, photos, margin_km: int) -> dict:
    """The canonical content of a report about to be published. `photos`: (target, sha256) pairs."""
    draft = _draft(draft)
    by_target: dict[str, list[str]] = {}
    for target, digest in photos:
        by_target.setdefault(target, []).append(digest)
    items = {}
    for key, entry in draft["items"].items():
        item = checklist.by_key.get(key)
        if item is None or entry.get("status") is None:
            continue
        value = entry.get("value")
        items[key] = {"status": entry["status"], "note": entry.get("note", ""),
                      "value": str(Decimal(value)) if value is not None else None,
                      "photos": sorted(by_target.get(f"item:{key}", []))}
    damage = sorted(
        ({"panel": e["panel"], "type": e["type"], "severity": e["severity"], "note": e.get("note", ""),
          "photos": sorted(by_target.get(f"damage:{e['id']}", []))} for e in draft["damage"]),
        key=lambda e: (e["panel"], e["type"], e["severity"], e["note"], e["photos"]),
    )
    facts = {name: draft["facts"].get(name) for name in FACTS}
    facts["odometer_photos"] = sorted(by_target.get("odometer", []))
    result = grade_compute(items=items, damage=damage, facts=facts, checklist=checklist)
    flags = report_flags(facts=facts, listing_vin=listing.vin, listing_mileage_km=listing.mileage_km,
                         margin_km=margin_km)
    return {
        "checklist_version": checklist.version,
        "formula_version": FORMULA_VERSION,
        "listing": {"id": listing.pk, "vin": listing.vin, "mileage_km": listing.mileage_km, "make": listing.make,
                    "model": listing.model, "first_registration_year": listing.first_registration_year},
        "items": items,
        "damage": damage,
        "facts": facts,
        "result": result.as_dict(),
        "flags": flags,
    }


# The lines of a published report -------------------------------------------------------------------------

# In English here; report_lines writes them in the reader's language.
DAMAGE_CATEGORY_LABEL = gettext_noop("Damage map")
FACTS_CATEGORY_LABEL = gettext_noop("Recorded facts")
SEVERITY_WORDS = {Status.OK: gettext_noop("OK"), Status.MINOR: gettext_noop("minor"),
                  Status.MAJOR: gettext_noop("major"), Status.NA: gettext_noop("not applicable"),
                  "": gettext_noop("not recorded")}
# A raised flag: what the report says about the car, in the words of a report line.
FLAG_NOTES = {"accident": gettext_noop("signs of an earlier accident"), "flood": gettext_noop("signs of flood damage"),
              "fire": gettext_noop("signs of fire damage")}


def line_summary(*, label: str, severity: str, note: str = "") -> str:
    """A report line within its category: "Front discs — minor: worn"."""
    text = f"{label} — {_(SEVERITY_WORDS[severity]) if severity in SEVERITY_WORDS else severity}"
    return f"{text}: {note}" if note else text


def _line(*, key: str, category: str, label: str, severity: str, note: str, disclosed: bool) -> dict:
    """One line; `text` is how it reads wherever a person sees it: "Brakes · Front discs — minor: worn"."""
    summary = line_summary(label=label, severity=severity, note=note)
    return {"key": key, "category": category, "label": label, "severity": severity, "note": note,
            "summary": summary, "text": f"{category} · {summary}", "disclosed": disclosed}


def report_lines(content: dict, *, checklist: Checklist) -> list[dict]:
    """Every line of a published report's content, in report order: each item of its checklist version (answered
    or not), each damage-map entry, each recorded fact. A line is `disclosed` when the report showed a defect
    there: a minor or major finding, any damage-map entry, a raised flag (accident, flood, fire, a VIN or an
    odometer reading that differs). These are the lines a dispute names; the disclosed ones cannot ground it.

    Damage entries have no ids in the content (the fingerprint must not depend on them); within one revision
    they are sorted, so `damage.<panel>.<type>.<n>` (n from 1 for each panel and type) names each one."""
    lines = []
    for category in checklist.categories:
        for item in category.items:
            entry = content["items"].get(item.key) or {}
            status = entry.get("status") or ""
            details = []
            if entry.get("value") is not None:
                details.append(f"{entry['value']} {item.display_unit}".strip())
            if entry.get("note"):
                details.append(entry["note"])
            lines.append(_line(key=item.key, category=category.display_label, label=item.display_label, severity=status,
                               note=", ".join(details), disclosed=status in (Status.MINOR, Status.MAJOR)))
    seen: dict[tuple[str, str], int] = {}
    for entry in content["damage"]:
        number = seen[(entry["panel"], entry["type"])] = seen.get((entry["panel"], entry["type"]), 0) + 1
        lines.append(_line(
            key=f"damage.{entry['panel']}.{entry['type']}.{number}", category=_(DAMAGE_CATEGORY_LABEL),
            label=f"{panel_label(entry['panel'])}: {damage_type_word(entry['type'])}",
            severity=entry["severity"], note=entry.get("note", ""), disclosed=True))
    facts, flags = content["facts"], content["flags"]
    for name in ("accident", "flood", "fire"):
        raised = bool(flags.get(name))
        lines.append(_line(key=f"facts.{name}", category=_(FACTS_CATEGORY_LABEL), label=fact_label(name),
                           severity=Status.MAJOR if raised else Status.OK, note=_(FLAG_NOTES[name]) if raised else "",
                           disclosed=raised))
    vin = facts.get("vin_on_car") or ""
    lines.append(_line(key="facts.vin_on_car", category=_(FACTS_CATEGORY_LABEL), label=fact_label("vin_on_car"),
                       severity=Status.MAJOR if flags.get("vin_mismatch") else Status.OK,
                       note=_("%(vin)s, not the VIN of the listing") % {"vin": vin} if flags.get("vin_mismatch")
                       else vin,
                       disclosed=bool(flags.get("vin_mismatch"))))
    reading = facts.get("odometer_km")
    note = f"{number_format(reading, force_grouping=True)} km" if reading is not None else ""
    if flags.get("odometer"):
        note = _("%(reading)s, %(difference)s km from the seller's figure") % {
            "reading": note, "difference": number_format(flags["odometer_difference_km"], force_grouping=True)}
    lines.append(_line(key="facts.odometer_km", category=_(FACTS_CATEGORY_LABEL), label=fact_label("odometer_km"),
                       severity=Status.MAJOR if flags.get("odometer") else Status.OK, note=note,
                       disclosed=bool(flags.get("odometer"))))
    return lines


def canonical_json(content: dict) -> bytes:
    """One byte string per content: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def content_fingerprint(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()
