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

from dataclasses import dataclass

from inspections.checklist import Checklist, Status

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
    for category, *_, cost in costs:
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


def _join(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def grade_method_lines(checklist: Checklist | None = None) -> list[str]:
    """The formula as numbered lines for the report page, written from the constants the grading code uses (so the
    method shown can never drift from the one applied). `checklist` names the categories and the measured items'
    thresholds (the current checklist by default)."""
    from inspections.checklist import checklist_load  # the checklist module's loader, not needed by grade_compute

    checklist = checklist or checklist_load()
    weights = ", ".join(f"{checklist.category_label(key).lower()} {weight}" for key, weight in CATEGORY_WEIGHTS.items())
    measured = list(dict.fromkeys((category.label.lower(), item.major_below, item.minor_below, item.unit)
                                  for category in checklist.categories for item in category.items
                                  if item.kind == "measure" and item.major_below is not None))
    thresholds = "; ".join(f"{where}: under {major} {unit} is major, under {minor} {unit} minor"
                           for where, major, minor, unit in measured)
    damage = {category: [kind for kind, c in DAMAGE_CATEGORY.items() if c == category]
              for category in dict.fromkeys(DAMAGE_CATEGORY.values())}
    floors = ", ".join(f"{grade} from {floor}" for grade, floor in GRADE_FLOORS)
    lowest = GRADE_ORDER[-1]
    to_e = [name for name, cap in GRADE_CAPS.items() if cap == lowest]
    capped = [(name, cap) for name, cap in GRADE_CAPS.items() if cap != lowest]
    return [
        f"Each checklist category has a weight; the weights add up to {sum(CATEGORY_WEIGHTS.values())} points: "
        f"{weights}.",
        f"Every item marked minor costs {PENALTY_PERCENT[Status.MINOR]} % of its category's weight, every item "
        f"marked major {PENALTY_PERCENT[Status.MAJOR]} %. OK and not-applicable items cost nothing. Measured items "
        f"get their status from the measurement" + (f": {thresholds}." if thresholds else "."),
        "Each damage-map entry counts as an item of its category with its severity: " + "; ".join(
            f"{_join(kinds)} belong to {checklist.category_label(category).lower()}"
            for category, kinds in damage.items()) + ".",
        "A category never loses more than its weight.",
        f"Score = {sum(CATEGORY_WEIGHTS.values())} − all losses, rounded half up to a whole number (computed in "
        "hundredths of a point, never with floating point).",
        f"Grade: {floors}, {lowest} below.",
        f"Caps: a {' or '.join(to_e)} indicator makes the grade {lowest}; "
        + "; ".join(f"an {name} indicator makes it at best {cap}" for name, cap in capped) + ".",
    ]
