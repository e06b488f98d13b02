from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.checklist import Status, checklist_load
from inspections.grading import CATEGORY_WEIGHTS, grade_compute, grade_method_lines

CHECKLIST = checklist_load()
NO_FACTS = {"accident": False, "flood": False, "fire": False}


def grade(items=None, damage=None, facts=None):
    return grade_compute(items=items or {}, damage=damage or [], facts={**NO_FACTS, **(facts or {})},
                         checklist=CHECKLIST)


def test_weights_add_up_to_100_and_cover_every_category():
    assert sum(CATEGORY_WEIGHTS.values()) == 100
    assert set(CATEGORY_WEIGHTS) == {c.key for c in CHECKLIST.categories}


def test_a_spotless_report_scores_100_grade_a_with_an_empty_explanation():
    result = grade({"engine.idle": {"status": "ok", "note": ""}, "engine.turbo": {"status": "na", "note": ""}})
    assert (result.score, result.grade, result.explanation) == (100, "A", ())


def test_minor_costs_15_percent_and_major_60_percent_of_the_category_weight_with_exact_lines():
    result = grade({
        "engine.oil_leaks": {"status": "minor", "note": "Sweating gasket"},   # 13 × 15 % = 1.95
        "brakes.discs_front": {"status": "major", "note": "Scored"},          # 9 × 60 % = 5.40
        "paint.stone_chips": {"status": "minor", "note": ""},                 # 6 × 15 % = 0.90
    })
    # 100 − 8.25 = 91.75 → 92 (half up)
    assert (result.score, result.grade) == (92, "A")
    assert [(line["key"], line["status"], line["note"], line["points_lost"], line["category_label"])
            for line in result.explanation] == [
        ("brakes.discs_front", "major", "Scored", "5.40", "Brakes"),
        ("engine.oil_leaks", "minor", "Sweating gasket", "1.95", "Engine"),
        ("paint.stone_chips", "minor", "", "0.90", "Paint"),
    ]
    assert result.lost_hundredths == 825


def test_rounding_is_half_up_on_hundredths():
    # documents weight 4: a minor costs 0.60; interior weight 7: a minor costs 1.05 -> 100 - 1.65 = 98.35 -> 98
    assert grade({"documents.manual": {"status": "minor"}, "interior.odour": {"status": "minor"}}).score == 98
    # three glass minors (5 × 15 % = 0.75 each) = 2.25 -> 97.75 -> 98; two = 1.50 -> 98.50 -> 99 (half up)
    two = {f"glass_lights.{k}": {"status": "minor"} for k in ("windscreen", "rear_window")}
    assert grade(two).score == 99


def test_equal_costs_are_sorted_by_key():
    result = grade({"interior.odour": {"status": "minor"}, "interior.boot": {"status": "minor"}})
    assert [line["key"] for line in result.explanation] == ["interior.boot", "interior.odour"]


def test_a_category_never_loses_more_than_its_weight_and_the_cap_is_explained():
    # Five engine majors: 5 × 7.80 = 39.00 nominal, capped at 13.00.
    keys = ["engine.cold_start", "engine.idle", "engine.noise", "engine.oil_level", "engine.oil_leaks"]
    result = grade({key: {"status": "major"} for key in keys})
    assert result.score == 87 and result.grade == "B"
    cap = [line for line in result.explanation if line["kind"] == "category_cap"]
    assert cap == [{"kind": "category_cap", "category": "engine", "category_label": "Engine", "points_lost": "13.00",
                    "text": "Engine items add up to 39.00 points; a category never loses more than its weight "
                            "of 13.00."}]


def test_damage_entries_count_in_paint_or_exterior_panels_by_type():
    result = grade(damage=[
        {"panel": "bonnet", "type": "dent", "severity": "major", "note": "Hail"},       # 12 × 60 % = 7.20
        {"panel": "rear_bumper", "type": "scratch", "severity": "minor", "note": ""},   # 6 × 15 % = 0.90
    ])
    assert result.score == 92
    assert [(line["key"], line["category"], line["points_lost"]) for line in result.explanation] == [
        ("damage.bonnet.dent", "exterior_panels", "7.20"), ("damage.rear_bumper.scratch", "paint", "0.90")]


def test_grade_boundaries():
    from inspections.grading import grade_for_score

    assert [grade_for_score(s) for s in (100, 90, 89, 80, 79, 65, 64, 50, 49, 0)] == \
        ["A", "A", "B", "B", "C", "C", "D", "D", "E", "E"]


def test_flood_or_fire_caps_the_grade_at_e_and_says_so():
    result = grade(facts={"flood": True})
    assert (result.score, result.grade) == (100, "E")
    assert result.explanation[-1] == {"kind": "grade_cap",
                                      "text": "Flood indicator found: grade capped at E (the score alone gives A)."}
    assert grade(facts={"fire": True}).grade == "E"


def test_an_accident_indicator_allows_at_best_c():
    result = grade(facts={"accident": True})
    assert result.grade == "C"
    assert result.explanation[-1]["text"] == "Accident indicator found: grade capped at C (the score alone gives A)."
    # Already worse than C: no cap line, the grade stays.
    bad = {f"engine.{k}": {"status": "major"} for k in ("cold_start", "idle")}
    bad.update({f"transmission.{k}": {"status": "major"} for k in ("shifting", "gearbox_noise")})
    bad.update({f"brakes.{k}": {"status": "major"} for k in ("pads_front", "discs_front")})
    bad.update({f"suspension_steering.{k}": {"status": "major"} for k in ("rack", "springs")})
    worse = grade(bad, facts={"accident": True})
    assert worse.grade in ("D", "E") and not [x for x in worse.explanation if x["kind"] == "grade_cap"]


statuses = st.sampled_from([Status.OK, Status.MINOR, Status.MAJOR, Status.NA])
condition_keys = [item.key for item in CHECKLIST.items if item.is_condition]


@settings(max_examples=60, deadline=None)
@given(answers=st.dictionaries(st.sampled_from(condition_keys), statuses, max_size=60),
       accident=st.booleans(), flood=st.booleans())
def test_same_inputs_same_output_whatever_the_order(answers, accident, flood):
    items = {key: {"status": status, "note": ""} for key, status in answers.items()}
    reversed_items = dict(reversed(list(items.items())))
    facts = {"accident": accident, "flood": flood}
    first, second = grade(items, facts=facts), grade(reversed_items, facts=facts)
    assert first == second
    assert 0 <= first.score <= 100
    if flood:
        assert first.grade == "E"
    elif accident:
        assert first.grade in "CDE"


def test_the_method_is_published_as_seven_numbered_rules():
    lines = grade_method_lines()
    assert len(lines) == 7
    assert lines[0].startswith("Each checklist category has a weight")
    assert "flood or fire indicator makes the grade E" in lines[-1]
