"""How a report's score and grade are computed — formula "grade-v1".

The method is published on every report ("How the grade is computed"): `grade_method_lines()` writes it from the
constants below, so what dealers read is what `grade_compute` does. Change the formula only by adding a new version,
never by editing this one. In short: categories weigh points that add up to 100; a minor item costs a share of its
category's weight, a major one more; damage-map entries count as items of their category; a category never loses more
than its weight; the score is 100 minus the losses (integer hundredths, rounded half up); the grade follows the score,
capped by flood, fire and accident indicators.

The explanation lists every item that cost points (category, status, note, points), the most
expensive first (ties by item key), then each category whose losses were capped, then each grade
cap applied. The function is pure: the same report content always gives the same result.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from inspections.checklist import Checklist, Status
from inspections.words import damage_type_word, panel_label

FORMULA_VERSION = "grade-v1"

CATEGORY_WEIGHTS = {
    "exterior_panels": 12, "paint": 6, "glass_lights": 5, "tyres_wheels": 8, "brakes": 9, "interior": 7,
    "electrics": 8, "engine": 13, "transmission": 9, "suspension_steering": 8, "underbody": 7, "documents": 4,
    "test_drive": 4,
}
assert sum(CATEGORY_WEIGHTS.values()) == 100

# Percent of the category weight an item of this status costs.
PENALTY_PERCENT = {Status.MINOR: 15, Status.MAJOR: 60}

DAMAGE_CATEGORY = {"scratch": "paint", "repaint": "paint", "dent": "exterior_panels", "crack": "exterior_panels",
                   "rust": "exterior_panels"}

GRADE_FLOORS = (("A", 90), ("B", 80), ("C", 65), ("D", 50))
GRADE_ORDER = "ABCDE"
GRADE_CAPS = {"flood": "E", "fire": "E", "accident": "C"}  # an indicator makes the grade at best this


def hundredths_text(value: int) -> str:
    """2350 -> "23.50": points for people, from the integer hundredths the formula uses."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


@dataclass(frozen=True)
class GradeResult:
    score: int
    grade: str
    explanation: tuple[dict, ...]
    lost_hundredths: int

    def as_dict(self) -> dict:
        return {"score": self.score, "grade": self.grade, "explanation": list(self.explanation),
                "points_lost": hundredths_text(self.lost_hundredths), "formula_version": FORMULA_VERSION}


def grade_for_score(score: int) -> str:
    for grade, floor in GRADE_FLOORS:
        if score >= floor:
            return grade
    return "E"


def grade_compute(*, items: dict, damage: list, facts: dict, checklist: Checklist) -> GradeResult:
    """`items`: key -> {"status", "note", ...}; `damage`: [{"panel", "type", "severity", "note"}];
    `facts`: {"accident", "flood", "fire"} booleans. Unknown item keys are ignored."""
    costs = []  # (category, key, label, status, note, hundredths)
    for key, entry in items.items():
        item = checklist.by_key.get(key)
        status = (entry or {}).get("status")
        if item is None or status not in PENALTY_PERCENT:
            continue
        cost = CATEGORY_WEIGHTS[item.category] * PENALTY_PERCENT[status]  # weight × percent = hundredths
        costs.append((item.category, key, item.label, status, (entry.get("note") or "").strip(), cost))
    for entry in damage:
        category = DAMAGE_CATEGORY.get(entry.get("type"))
        severity = entry.get("severity")
        if category is None or severity not in PENALTY_PERCENT:
            continue
        key = f"damage.{entry.get('panel', '')}.{entry['type']}"
        label = f"Damage: {entry['type']} on {str(entry.get('panel', '')).replace('_', ' ')}"
        cost = CATEGORY_WEIGHTS[category] * PENALTY_PERCENT[severity]
        costs.append((category, key, label, severity, (entry.get("note") or "").strip(), cost))

    costs.sort(key=lambda c: (-c[5], c[1], c[4], c[3]))
    explanation = [
        {"kind": "item", "key": key, "label": label, "category": category,
         "category_label": checklist.category_label(category), "status": status, "note": note,
         "points_lost": hundredths_text(cost)}
        for category, key, label, status, note, cost in costs
    ]

    by_category: dict[str, int] = {}
    for category, *_rest, cost in costs:
        by_category[category] = by_category.get(category, 0) + cost
    lost = 0
    for category in sorted(by_category):
        nominal = by_category[category]
        ceiling = CATEGORY_WEIGHTS[category] * 100
        if nominal > ceiling:
            explanation.append({
                "kind": "category_cap", "category": category, "category_label": checklist.category_label(category),
                "points_lost": hundredths_text(ceiling),
                "text": f"{checklist.category_label(category)} items add up to {hundredths_text(nominal)} points; "
                        f"a category never loses more than its weight of {hundredths_text(ceiling)}.",
            })
        lost += min(nominal, ceiling)

    score = (10000 - lost + 50) // 100  # half up; never negative since losses are capped at 100 points
    grade = grade_for_score(score)
    found = [name for name in GRADE_CAPS if facts.get(name)]
    if found:
        cap = max((GRADE_CAPS[name] for name in found), key=GRADE_ORDER.index)
        which = " and ".join(name for name in found if GRADE_CAPS[name] == cap)
        if grade == cap and cap == GRADE_ORDER[-1]:
            explanation.append({"kind": "grade_cap", "text": f"{which.capitalize()} indicator found: grade {cap}."})
        elif GRADE_ORDER.index(grade) < GRADE_ORDER.index(cap):
            explanation.append({"kind": "grade_cap", "text": f"{which.capitalize()} indicator found: grade "
                                                             f"capped at {cap} (the score alone gives {grade})."})
            grade = cap
    return GradeResult(score=score, grade=grade, explanation=tuple(explanation), lost_hundredths=lost)


def _english() -> bool:
    return (translation.get_language() or "en").startswith("en")


def _in_sentence(text: str) -> str:
    """A label inside a sentence: lower case in English ("exterior panels"), as it is in other languages (German
    nouns keep their capital)."""
    return text.lower() if _english() else text


def _join(words: list[str]) -> str:
    if len(words) > 1:
        return _("%(list)s and %(last)s") % {"list": ", ".join(words[:-1]), "last": words[-1]}
    return "".join(words)


def _join_or(words: list[str]) -> str:
    if len(words) > 1:
        return _("%(list)s or %(last)s") % {"list": ", ".join(words[:-1]), "last": words[-1]}
    return "".join(words)


# The indicators in the method's and the explanation's sentences (the English words are GRADE_CAPS' keys).
INDICATOR_WORDS = {"flood": gettext_noop("flood"), "fire": gettext_noop("fire"), "accident": gettext_noop("accident")}


def _indicator(name: str) -> str:
    return _(INDICATOR_WORDS[name]) if name in INDICATOR_WORDS else name


def grade_method_lines(checklist: Checklist | None = None) -> list[str]:
    """The formula as numbered lines for the report page, in the reader's language, written from the constants the
    grading code uses (so the method shown can never drift from the one applied). `checklist` names the categories
    and the measured items' thresholds (the current checklist by default)."""
    from inspections.checklist import checklist_load  # the checklist module's loader, not needed by grade_compute

    checklist = checklist or checklist_load()
    total = sum(CATEGORY_WEIGHTS.values())
    weights = ", ".join(
        _("%(category)s %(weight)s") % {"category": _in_sentence(checklist.category_display_label(key)),
                                         "weight": weight}
        for key, weight in CATEGORY_WEIGHTS.items())
    measured = list(dict.fromkeys((category.display_label, item.major_below, item.minor_below, item.display_unit)
                                  for category in checklist.categories for item in category.items
                                  if item.kind == "measure" and item.major_below is not None))
    thresholds = "; ".join(
        _("%(where)s: under %(major)s %(unit)s is major, under %(minor)s %(unit)s minor") % {
            "where": _in_sentence(where), "major": _number(major), "minor": _number(minor), "unit": unit}
        for where, major, minor, unit in measured)
    damage = {category: [damage_type_word(kind) for kind, c in DAMAGE_CATEGORY.items() if c == category]
              for category in dict.fromkeys(DAMAGE_CATEGORY.values())}
    floors = ", ".join(_("%(grade)s from %(floor)s") % {"grade": grade, "floor": floor}
                       for grade, floor in GRADE_FLOORS)
    lowest = GRADE_ORDER[-1]
    to_e = [_indicator(name) for name, cap in GRADE_CAPS.items() if cap == lowest]
    capped = [(name, cap) for name, cap in GRADE_CAPS.items() if cap != lowest]
    penalties = {"minor": PENALTY_PERCENT[Status.MINOR], "major": PENALTY_PERCENT[Status.MAJOR]}
    if thresholds:
        costs = _("Every item marked minor costs %(minor)s %% of its category's weight, every item marked major "
                  "%(major)s %%. OK and not-applicable items cost nothing. Measured items get their status from the "
                  "measurement: %(thresholds)s.") % {**penalties, "thresholds": thresholds}
    else:
        costs = _("Every item marked minor costs %(minor)s %% of its category's weight, every item marked major "
                  "%(major)s %%. OK and not-applicable items cost nothing. Measured items get their status from the "
                  "measurement.") % penalties
    return [
        _("Each checklist category has a weight; the weights add up to %(total)s points: %(weights)s.")
        % {"total": total, "weights": weights},
        costs,
        _("Each damage-map entry counts as an item of its category with its severity: %(rules)s.") % {
            "rules": "; ".join(_("%(kinds)s belong to %(category)s") % {
                "kinds": _join(kinds), "category": _in_sentence(checklist.category_display_label(category))}
                for category, kinds in damage.items())},
        _("A category never loses more than its weight."),
        _("Score = %(total)s − all losses, rounded half up to a whole number (computed in hundredths of a point, "
          "never with floating point).") % {"total": total},
        _("Grade: %(floors)s, %(lowest)s below.") % {"floors": floors, "lowest": lowest},
        _("Caps: a %(indicators)s indicator makes the grade %(lowest)s; %(others)s.") % {
            "indicators": _join_or(to_e), "lowest": lowest, "others": "; ".join(
                _("an %(indicator)s indicator makes it at best %(grade)s") % {"indicator": _indicator(name),
                                                                              "grade": cap}
                for name, cap in capped)},
    ]


_GRADE_CAP_FINAL = re.compile(r"^(?P<which>.+) indicator found: grade (?P<cap>[A-E])\.$")
_GRADE_CAP_CAPPED = re.compile(r"^(?P<which>.+) indicator found: grade capped at (?P<cap>[A-E]) "
                               r"\(the score alone gives (?P<grade>[A-E])\)\.$")


def explanation_for_reader(result: dict, *, checklist: Checklist) -> list[dict]:
    """A published result's explanation in the reader's language. The content keeps it in English (it is
    fingerprinted and never changes); the words are translated here, the numbers are the stored ones."""

    explanation = [dict(line) for line in result.get("explanation") or []]
    if _english():
        return explanation
    nominal: dict[str, int] = {}
    for line in explanation:
        if line.get("kind") == "item":
            hundredths = _hundredths(line.get("points_lost"))
            nominal[line.get("category", "")] = nominal.get(line.get("category", ""), 0) + hundredths
    for line in explanation:
        if "points_lost" in line:
            line["points_lost"] = number_format(Decimal(line["points_lost"]), 2)
        if line.get("kind") == "item":
            key = line.get("key", "")
            item = checklist.by_key.get(key)
            if item is not None:
                line["label"] = item.display_label
            elif key.startswith("damage."):
                _damage, panel, damage_type = (key.split(".") + ["", ""])[:3]
                line["label"] = _("Damage: %(type)s on %(panel)s") % {"type": damage_type_word(damage_type),
                                                                      "panel": panel_label(panel)}
            line["category_label"] = checklist.category_display_label(line.get("category", ""))
        elif line.get("kind") == "category_cap":
            category = line.get("category", "")
            line["category_label"] = checklist.category_display_label(category)
            line["text"] = _("%(category)s items add up to %(nominal)s points; a category never loses more than its "
                             "weight of %(ceiling)s.") % {
                "category": line["category_label"],
                "nominal": number_format(Decimal(hundredths_text(nominal.get(category, 0))), 2),
                "ceiling": number_format(Decimal(hundredths_text(CATEGORY_WEIGHTS.get(category, 0) * 100)), 2)}
        elif line.get("kind") == "grade_cap":
            text = line.get("text", "")
            final, capped = _GRADE_CAP_FINAL.match(text), _GRADE_CAP_CAPPED.match(text)
            found = final or capped
            if found is None:
                continue
            which = _join([_indicator(name) for name in found["which"].lower().split(" and ")])
            which = which[:1].upper() + which[1:]
            if capped is not None:
                line["text"] = _("%(which)s indicator found: grade capped at %(cap)s (the score alone gives "
                                 "%(grade)s).") % {"which": which, "cap": capped["cap"], "grade": capped["grade"]}
            else:
                line["text"] = _("%(which)s indicator found: grade %(cap)s.") % {"which": which, "cap": found["cap"]}
    return explanation


def _number(value: Decimal | None) -> str:
    return number_format(value) if value is not None else str(value)


def _hundredths(points) -> int:
    try:
        return int((Decimal(str(points)) * 100).to_integral_value())
    except (InvalidOperation, TypeError, ValueError):
        return 0
