"""The repair-cost table: it prices every checklist item and every damage-map panel × type, one repair per group,
and its loader refuses a table that misses an item of its checklist or holds a figure that cannot be right."""

import copy
import json

import pytest

from core.money import Money
from inspections.checklist import checklist_load, checklist_parse
from inspections.grading import grade_compute
from inspections.repair_cost import (
    CURRENT_VERSION,
    TABLE_DIR,
    RepairCostTableInvalid,
    damage_key,
    disclosed_defects,
    repair_cost_table_load,
    repair_cost_table_parse,
)
from inspections.report import DAMAGE_TYPES, PANELS

TABLE = repair_cost_table_load()
CHECKLIST = checklist_load(TABLE.checklist_version)
DOC = json.loads((TABLE_DIR / f"{CURRENT_VERSION}.json").read_text())
CHECKLIST_DOC = json.loads((TABLE_DIR.parent / "checklists" / "v1.json").read_text())


def test_the_table_prices_every_item_of_its_checklist_in_checklist_order():
    assert TABLE.version == CURRENT_VERSION and TABLE.checklist_version == "v1"
    item_keys = [key for key in TABLE.entries if not key.startswith("damage.")]
    assert item_keys == [item.key for item in CHECKLIST.items]
    for item in CHECKLIST.items:
        entry = TABLE.entry(item.key)
        assert entry.label == item.label
        if entry.claimable:
            assert entry.basis
            for currency in TABLE.currencies:
                assert Money(0, currency) < entry.cost("minor", currency) <= entry.cost("major", currency)
        else:
            assert entry.not_claimable and not entry.costs_minor


def test_the_table_prices_every_damage_map_panel_and_damage_type():
    for panel, panel_label in PANELS:
        for damage_type, type_label in DAMAGE_TYPES:
            entry = TABLE.entry(damage_key(panel, damage_type))
            assert entry.claimable and entry.group == f"panel:{panel}"
            assert entry.label == f"{panel_label}: {type_label.lower()}"
            assert entry.basis == TABLE.damage_basis[damage_type]
            assert Money(0, "EUR") < entry.cost("minor", "EUR") <= entry.cost("major", "EUR")
    assert len(TABLE.entries) == len(CHECKLIST.items) + len(PANELS) * len(DAMAGE_TYPES)


def test_only_two_items_are_not_claimable_and_each_says_why():
    excluded = {key: entry.not_claimable for key, entry in TABLE.entries.items() if not entry.claimable}
    assert set(excluded) == {"paint.thickness", "documents.registration_match"}
    assert "VIN rule" in excluded["documents.registration_match"]
    with pytest.raises(ValueError, match="not claimable"):
        TABLE.entry("paint.thickness").cost("minor", "EUR")


def test_a_panels_checklist_verdict_and_its_damage_map_entries_are_one_repair():
    for panel, _ in PANELS:
        item = TABLE.entry(f"exterior_panels.{panel}")
        if item is not None:  # the A-pillar and the windscreen frame are only on the damage map
            assert item.group == f"panel:{panel}" == TABLE.entry(damage_key(panel, "dent")).group
    assert {TABLE.entry(k).group for k in ("brakes.discs_front", "brakes.pads_front",
                                           "test_drive.braking_straight")} == {"brakes_front"}
    assert TABLE.entry("engine.turbo").group == "engine.turbo"


def test_the_figures_are_whole_euros_within_a_workshops_range():
    for entry in TABLE.entries.values():
        for severity, amount in (entry.costs_minor.get("EUR") or {}).items():
            assert amount % 100 == 0, entry.key
            assert 30_00 <= amount <= 3_000_00, (entry.key, severity)


def test_the_damage_key_is_the_key_the_grade_explanation_uses():
    result = grade_compute(items={}, damage=[{"panel": "door_fl", "type": "dent", "severity": "major", "note": ""}],
                           facts={}, checklist=CHECKLIST)
    assert result.explanation[0]["key"] == damage_key("door_fl", "dent") == "damage.door_fl.dent"


def test_disclosed_defects_reads_a_reports_items_and_damage_map():
    content = {
        "items": {"brakes.discs_front": {"status": "minor"}, "engine.turbo": {"status": "ok"},
                  "tyres_wheels.tread_fl": {"status": "major", "value": "1.2"},
                  "electrics.navigation": {"status": "na"}},
        "damage": [{"panel": "door_fl", "type": "dent", "severity": "minor"},
                   {"panel": "door_fl", "type": "dent", "severity": "major"},
                   {"panel": "roof", "type": "scratch", "severity": "minor"}],
    }
    assert disclosed_defects(content) == {"brakes.discs_front": "minor", "tyres_wheels.tread_fl": "major",
                                          "damage.door_fl.dent": "major", "damage.roof.scratch": "minor"}
    assert disclosed_defects({}) == {}


# --- the loader refuses a broken table, naming the file and the field ---------------------------------------------

def _parse(change=None, checklist=None):
    doc = copy.deepcopy(DOC)
    if change:
        change(doc)
    return repair_cost_table_parse(doc, source="repair-costs-test.json", checklist=checklist)


def test_a_checklist_that_gains_an_item_cannot_be_used_with_a_table_that_lacks_it():
    grown = copy.deepcopy(CHECKLIST_DOC)
    grown["items"].append({"key": "electrics.head_up_display", "category": "electrics", "label": "Head-up display",
                           "required": False, "kind": "condition"})
    with pytest.raises(RepairCostTableInvalid) as refused:
        _parse(checklist=checklist_parse(grown))
    assert refused.value.field == "items"
    assert "checklist v1 items without a repair cost: electrics.head_up_display" in str(refused.value)
    assert str(refused.value).startswith("repair-costs-test.json: items: ")


def test_the_table_loads_against_the_checklist_file_it_names():
    assert _parse() == TABLE
    with pytest.raises(RepairCostTableInvalid, match="cannot load checklist 'v9'"):
        _parse(lambda d: d.update(checklist_version="v9"))
    with pytest.raises(RepairCostTableInvalid, match="the checklist given is 'v1'"):
        _parse(lambda d: d.update(checklist_version="v2"), checklist=CHECKLIST)


def _item(key):
    return lambda d: d["items"][key]


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda d: d["items"].pop("engine.turbo"), "items", "without a repair cost: engine.turbo"),
    (lambda d: d["items"].update({"engine.flux_capacitor": d["items"]["engine.turbo"]}),
     "items.engine.flux_capacitor", "not an item of checklist v1"),
    (lambda d: d["items"]["engine.turbo"]["costs_minor"]["EUR"].update(major=10_000),
     "items.engine.turbo.costs_minor.EUR.major", "cannot cost less than a minor one"),
    (lambda d: d["items"]["engine.turbo"]["costs_minor"]["EUR"].update(minor=0),
     "items.engine.turbo.costs_minor.EUR.minor", "≥ 1"),
    (lambda d: d["items"]["engine.turbo"]["costs_minor"]["EUR"].update(minor=-100),
     "items.engine.turbo.costs_minor.EUR.minor", "≥ 1"),
    (lambda d: d["items"]["engine.turbo"]["costs_minor"]["EUR"].update(minor=200.5),
     "items.engine.turbo.costs_minor.EUR.minor", "whole number"),
    (lambda d: d["items"]["engine.turbo"]["costs_minor"]["EUR"].pop("major"),
     "items.engine.turbo.costs_minor.EUR", "missing major"),
    (lambda d: d["items"]["engine.turbo"]["costs_minor"]["EUR"].update(severe=1),
     "items.engine.turbo.costs_minor.EUR", "unknown field(s) severe"),
    (lambda d: d["items"]["engine.turbo"]["costs_minor"].update(GBP={"minor": 1, "major": 2}),
     "items.engine.turbo.costs_minor", "unknown field(s) GBP"),
    (lambda d: d["items"]["engine.turbo"].pop("basis"), "items.engine.turbo", "missing basis"),
    (lambda d: d["items"]["engine.turbo"].update(basis=" "), "items.engine.turbo.basis", "non-empty text"),
    (lambda d: d["items"]["engine.turbo"].update(group=""), "items.engine.turbo.group", "non-empty text"),
    (lambda d: d["items"]["paint.thickness"].update(basis="x"), "items.paint.thickness",
     "unknown field(s) basis"),
    (lambda d: d["items"].update({"paint.thickness": {"not_claimable": ""}}), "items.paint.thickness.not_claimable",
     "non-empty text"),
    (lambda d: d.update(currencies=["EUR", "GBP"]), "items.exterior_panels.bonnet.costs_minor", "missing GBP"),
    (lambda d: d.update(currencies=["EUR", "EUR"]), "currencies[1]", "listed twice"),
    (lambda d: d.update(currencies=["EURO"]), "currencies[0]", "unknown currency 'EURO'"),
    (lambda d: d.update(currencies=[]), "currencies", "non-empty list"),
    (lambda d: d["damage"].pop("a_pillar"), "damage", "missing a_pillar"),
    (lambda d: d["damage"].update(spoiler=d["damage"]["roof"]), "damage", "unknown field(s) spoiler"),
    (lambda d: d["damage"]["roof"].pop("rust"), "damage.roof", "missing rust"),
    (lambda d: d["damage"]["roof"].update(hail=d["damage"]["roof"]["dent"]), "damage.roof", "unknown field(s) hail"),
    (lambda d: d["damage"]["roof"]["dent"]["costs_minor"]["EUR"].update(major=1),
     "damage.roof.dent.costs_minor.EUR.major", "cannot cost less"),
    (lambda d: d["damage_basis"].pop("crack"), "damage_basis", "missing crack"),
    (lambda d: d.update(effective_from="2026-13-01"), "effective_from", "YYYY-MM-DD"),
    (lambda d: d.pop("basis"), "", "missing basis"),
])
def test_the_loader_refuses_a_broken_table_naming_the_file_and_field(change, field, message):
    with pytest.raises(RepairCostTableInvalid) as refused:
        _parse(change)
    assert refused.value.field == field
    assert message in refused.value.message
    assert refused.value.source == "repair-costs-test.json"


def test_the_table_file_must_say_the_version_its_name_says(tmp_path, monkeypatch):
    (tmp_path / "repair-costs-v2.json").write_text(json.dumps(DOC))
    monkeypatch.setattr("inspections.repair_cost.TABLE_DIR", tmp_path)
    with pytest.raises(RepairCostTableInvalid, match="the file name says 'repair-costs-v2'"):
        repair_cost_table_load.__wrapped__("repair-costs-v2")
    (tmp_path / "repair-costs-v3.json").write_text('{"version": "a", "version": "b"}')
    with pytest.raises(RepairCostTableInvalid, match="appears twice"):
        repair_cost_table_load.__wrapped__("repair-costs-v3")


def test_an_entry_gives_money_in_the_currency_asked_for():
    entry = TABLE.entry("glass_lights.windscreen")
    assert entry.cost("minor", "EUR") == Money(100_00, "EUR")
    assert entry.cost("major", "EUR") == Money(850_00, "EUR")
    with pytest.raises(ValueError, match="no GBP figures"):
        entry.cost("major", "GBP")
    with pytest.raises(ValueError, match="minor or major"):
        entry.cost("ok", "EUR")
