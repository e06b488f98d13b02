import copy
import hashlib
from types import SimpleNamespace

import pytest

from inspections import services
from inspections.checklist import checklist_load
from inspections.report import canonical_json, content_fingerprint, report_content
from tests.inspections.factories import complete_items, jpeg_upload, published_inspection

CHECKLIST = checklist_load()
LISTING = SimpleNamespace(pk=7, vin="WVWZZZ1KZAW000101", mileage_km=98_500, make="Volkswagen", model="Golf",
                          first_registration_year=2016)
PHOTOS = [("odometer", "a" * 64), ("item:engine.oil_leaks", "b" * 64), ("damage:e1", "c" * 64)]


def _draft():
    items = {key: {"note": "", **value} for key, value in complete_items().items()}
    for key, entry in items.items():
        item = CHECKLIST.by_key[key]
        if "value" in entry:
            entry["status"] = item.status_for(item.parse_value(entry["value"]))
        elif not item.is_condition:
            entry["value"] = None
    items["engine.oil_leaks"] = {"status": "minor", "note": "Sweating gasket"}
    return {"items": items,
            "facts": {"odometer_km": 98_700, "vin_on_car": LISTING.vin, "accident": False, "flood": False,
                      "fire": False},
            "damage": [{"id": "e1", "panel": "bonnet", "type": "dent", "severity": "minor", "note": "Hail"},
                       {"id": "e2", "panel": "roof", "type": "scratch", "severity": "minor", "note": ""}]}


def fingerprint(draft, photos=PHOTOS, listing=LISTING):
    return content_fingerprint(report_content(draft=draft, checklist=CHECKLIST, listing=listing, photos=photos,
                                              margin_km=1000))


BASE = fingerprint(_draft())


def _changed(mutate):
    draft = _draft()
    mutate(draft)
    return draft


@pytest.mark.parametrize("change", [
    lambda d: d["items"]["engine.idle"].update(status="minor"),
    lambda d: d["items"]["engine.oil_leaks"].update(note="Sweating gasket."),
    lambda d: d["items"]["tyres_wheels.tread_fl"].update(value="5.9"),
    lambda d: d["facts"].update(odometer_km=98_701),
    lambda d: d["facts"].update(accident=True),
    lambda d: d["damage"][0].update(severity="major"),
    lambda d: d["damage"].pop(),
    lambda d: d["items"].pop("engine.turbo"),
], ids=["item status", "note", "measure", "odometer", "indicator", "damage severity", "damage removed",
        "item unanswered"])
def test_any_content_change_changes_the_fingerprint(change):
    assert fingerprint(_changed(change)) != BASE


def test_different_photo_bytes_change_the_fingerprint():
    photos = [("odometer", "d" * 64), *PHOTOS[1:]]
    assert fingerprint(_draft(), photos=photos) != BASE


def test_the_same_content_in_another_order_gives_the_same_fingerprint():
    draft = _draft()
    shuffled = {"damage": list(reversed(draft["damage"])),
                "facts": dict(reversed(list(draft["facts"].items()))),
                "items": {key: dict(reversed(list(value.items())))
                          for key, value in reversed(list(draft["items"].items()))}}
    assert fingerprint(shuffled, photos=list(reversed(PHOTOS))) == BASE
    assert fingerprint(copy.deepcopy(draft)) == BASE


def test_the_fingerprint_is_sha256_of_the_canonical_json():
    content = report_content(draft=_draft(), checklist=CHECKLIST, listing=LISTING, photos=PHOTOS, margin_km=1000)
    raw = canonical_json(content)
    assert raw.startswith(b'{"checklist_version":"v1","damage":[{"note":"Hail","panel":"bonnet","photos":["ccc')
    assert content_fingerprint(content) == hashlib.sha256(raw).hexdigest()
    assert content["checklist_version"] == "v1" and content["formula_version"] == "grade-v1"


@pytest.mark.django_db
def test_republishing_unchanged_content_later_gives_the_same_fingerprint(staff):
    inspection, first = published_inspection()
    services.inspection_reopen(inspection=inspection, actor=staff, reason="Check again")
    services.inspection_report_save(inspection=inspection, actor=inspection.inspector,
                                    items={"engine.idle": {"status": "ok", "note": ""}})  # the same answer again
    second = services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    assert second.revision == 2 and second.published_at > first.published_at
    assert second.fingerprint == first.fingerprint


@pytest.mark.django_db
def test_a_new_photo_changes_the_fingerprint_of_the_next_revision(staff):
    inspection, first = published_inspection()
    services.inspection_reopen(inspection=inspection, actor=staff, reason="Add a photo")
    services.inspection_photo_add(inspection=inspection, actor=inspection.inspector, target="item:engine.idle",
                                  upload=jpeg_upload((200, 10, 10)))
    second = services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    assert second.fingerprint != first.fingerprint
    digest = inspection.photos.get(target="item:engine.idle").sha256
    assert second.content["items"]["engine.idle"]["photos"] == [digest]
