import copy
import json

import pytest

from inspections.checklist import CATEGORIES, CHECKLIST_DIR, ChecklistInvalid, checklist_load, checklist_parse


def _doc():
    return json.loads((CHECKLIST_DIR / "v1.json").read_text(encoding="utf-8"))


def test_the_v1_checklist_loads_with_at_least_120_items_in_all_13_categories():
    checklist = checklist_load("v1")
    assert checklist.version == "v1"
    assert len(checklist.items) >= 120
    assert [c.key for c in checklist.categories] == list(CATEGORIES)
    assert all(category.items for category in checklist.categories)
    assert len(checklist.by_key) == len(checklist.items)


def test_tread_depth_is_measured_per_tyre_in_mm_and_keys_are_counted():
    checklist = checklist_load()
    treads = [i for i in checklist.items if i.kind == "measure"]
    assert {i.key for i in treads} >= {"tyres_wheels.tread_fl", "tyres_wheels.tread_fr", "tyres_wheels.tread_rl",
                                       "tyres_wheels.tread_rr"}
    assert all(i.unit == "mm" for i in treads)
    assert checklist.by_key["tyres_wheels.tread_spare"].required is False
    assert checklist.by_key["documents.keys_count"].kind == "count"


def test_a_measure_gets_its_status_from_the_value_as_a_decimal():
    from decimal import Decimal

    tread = checklist_load().by_key["tyres_wheels.tread_fl"]
    assert tread.parse_value("1.55") == Decimal("1.6")  # one decimal, half even on the quantum
    assert tread.status_for(tread.parse_value("1.5")) == "major"
    assert tread.status_for(tread.parse_value("1.6")) == "minor"
    assert tread.status_for(tread.parse_value("2,9")) == "minor"
    assert tread.status_for(tread.parse_value("3.0")) == "ok"
    with pytest.raises(ValueError):
        tread.parse_value(2.5)  # a float is refused outright
    with pytest.raises(ValueError):
        tread.parse_value("25")
    with pytest.raises(ValueError):
        tread.parse_value("deep")


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d["items"].append(copy.deepcopy(d["items"][0])), "duplicate item key"),
    (lambda d: d["items"][0].update(category="roof_box"), "unknown category"),
    (lambda d: d["items"][0].update(kind="colour"), "unknown kind"),
    (lambda d: d.update(items=d["items"][:119]), "at least 120"),
    (lambda d: d["categories"].pop(), "categories missing"),
    (lambda d: d.pop("version"), "no version"),
])
def test_the_loader_refuses_a_broken_checklist(breakage, message):
    doc = _doc()
    breakage(doc)
    with pytest.raises(ChecklistInvalid, match=message):
        checklist_parse(doc)


def test_an_unknown_version_is_refused():
    with pytest.raises(ChecklistInvalid):
        checklist_load("v99")
    with pytest.raises(ChecklistInvalid):
        checklist_load("../secrets")
