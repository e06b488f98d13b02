"""How a report's score and grade are computed — formula "grade-v1".

The same text is shown to dealers on every report ("How the grade is computed"); change the
formula only by adding a new version, never by editing this one.

1. Each checklist category has a weight; the weights add up to 100 points:
   exterior panels 12, paint 6, glass and lights 5, tyres and wheels 8, brakes 9, interior 7,
   electrics and electronics 8, engine 13, transmission and drivetrain 9, suspension and
   steering 8, underbody and corrosion 7, documents 4, test drive 4.
2. Every item marked minor costs 15 % of its category's weight, every item marked major 60 %.
   OK and not-applicable items cost nothing. Measured items (tyre tread, number of keys) get
   their status from the measurement: tread under 1.6 mm is major, under 3.0 mm minor.
3. Each damage-map entry counts as an item of its category with its severity: scratches and
   repaints belong to paint; dents, cracks and rust to exterior panels.
4. A category never loses more than its weight.
5. Score = 100 − all losses, rounded half up to a whole number (computed in hundredths of a
   point, never with floating point).
6. Grade: A from 90, B from 80, C from 65, D from 50, E below.
7. Caps: a flood or fire indicator makes the grade E; an accident indicator makes it at best C.

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
    if facts.get("flood") or facts.get("fire"):
        which = " and ".join(name for name in ("flood", "fire") if facts.get(name))
        if grade != "E":
            explanation.append({"kind": "grade_cap", "text": f"{which.capitalize()} indicator found: grade "
                                                             f"capped at E (the score alone gives {grade})."})
        else:
            explanation.append({"kind": "grade_cap", "text": f"{which.capitalize()} indicator found: grade E."})
        grade = "E"
    elif facts.get("accident") and GRADE_ORDER.index(grade) < GRADE_ORDER.index("C"):
        explanation.append({"kind": "grade_cap", "text": f"Accident indicator found: grade capped at C "
                                                         f"(the score alone gives {grade})."})
        grade = "C"
    return GradeResult(score=score, grade=grade, explanation=tuple(explanation), lost_hundredths=lost)


def grade_method_lines() -> list[str]:
    """The formula as numbered lines for the report page (from this module's docstring)."""
    text = __doc__.split("\n\n", 1)[1].rsplit("\n\nThe explanation", 1)[0]
    intro, _, rest = text.partition("\n\n")
    lines, current = [], ""
    for raw in rest.splitlines():
        stripped = raw.strip()
        if stripped[:2].rstrip(".").isdigit() and stripped[1:3].startswith("."):
            if current:
                lines.append(current)
            current = stripped.split(" ", 1)[1]
        else:
            current += " " + stripped
    if current:
        lines.append(current)
    return lines
