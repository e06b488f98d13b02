"""Demo inspections for `make run`. Idempotent (keyed by the listing's VIN).

Two cars are published and approved for auction (the auctions demo can schedule them), one is
published and waits for staff approval, one is assigned to the demo inspector and not yet booked.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from inspections import services
from inspections.checklist import Status, checklist_load
from inspections.models import Inspection
from marketplace.demo import demo_photo
from marketplace.models import Listing

# VIN -> (final state, findings {key: (status or value, note)}, damage [(panel, type, severity, note)], facts)
DEMO_INSPECTIONS = {
    "WBA8E9C55GK000102": ("approved", {
        "paint.stone_chips": (Status.MINOR, "Stone chips on the bonnet edge, not through the primer."),
        "tyres_wheels.tread_rl": ("2.8", "Rear tyres due soon."),
        "tyres_wheels.tread_rr": ("2.9", ""),
        "interior.steering_wheel": (Status.MINOR, "Leather worn at 9 o'clock."),
    }, [("rear_bumper", "scratch", Status.MINOR, "Parking scratch, 6 cm, left corner.")],
        {"odometer_km": 121_450, "accident": False, "flood": False, "fire": False}),
    "WAUZZZF49HA000201": ("approved", {
        "glass_lights.windscreen": (Status.MINOR, "Chip outside the driver's view, repairable."),
        "brakes.discs_rear": (Status.MINOR, "Lip on rear discs; replace with next pads."),
    }, [], {"odometer_km": 88_120, "accident": False, "flood": False, "fire": False}),
    "1HGCM82633A004352": ("inspected", {
        "underbody.sills_under": (Status.MAJOR, "Rust through on the left sill underside."),
        "engine.oil_leaks": (Status.MINOR, "Sweating rocker cover gasket."),
        "suspension_steering.bushes_front": (Status.MAJOR, "Front lower arm bushes split."),
        "electrics.air_con": (Status.MAJOR, "Blows warm; compressor clutch does not engage."),
        "tyres_wheels.tread_fl": ("1.4", "Below the legal minimum."),
        "documents.service_book": (Status.MAJOR, "No service book."),
    }, [("wing_fl", "dent", Status.MINOR, "Fist-sized dent above the wheel arch."),
        ("sill_l", "rust", Status.MAJOR, "Rust bubbling along the sill.")],
        {"odometer_km": 212_900, "accident": True, "flood": False, "fire": False}),
    "ZFA31200000000203": ("requested", {}, [], {}),
}

DEFAULT_TREAD = "5.5"


def _answers(findings: dict) -> dict:
    checklist = checklist_load()
    items = {}
    for item in checklist.items:
        if item.key in findings:
            answer, note = findings[item.key]
            items[item.key] = {"value": answer, "note": note} if not item.is_condition else {"status": answer,
                                                                                             "note": note}
        elif item.kind == "measure":
            items[item.key] = {"value": DEFAULT_TREAD} if item.required else {"status": Status.NA}
        elif item.kind == "count":
            items[item.key] = {"value": "2"}
        else:
            items[item.key] = {"status": Status.OK if item.required else Status.NA}
    return items


def _photo(title: str, colour, number: int):
    return demo_photo(title=title, colour=colour, number=number)


def demo_inspection_walk(*, listing: Listing, state: str, findings: dict, damage: list, facts: dict,
                         staff: User, inspector: User) -> Inspection | None:
    """Take a submitted demo car through its inspection to `state` (requested, inspected or approved),
    as the inspector and staff would: assign, book, fill the report with photos, publish, approve."""
    inspection = services.inspection_request_for(listing=listing) if listing.status == "submitted" else \
        Inspection.objects.filter(listing=listing).exclude(status="cancelled").first()
    if inspection is None:
        return None
    if inspection.inspector_id is None:
        services.inspection_assign(inspection=inspection, inspector=inspector, actor=staff)
    if state == "requested" or inspection.status == Inspection.Status.PUBLISHED:
        return inspection
    if inspection.status == Inspection.Status.REQUESTED:
        services.inspection_schedule(inspection=inspection, actor=inspector,
                                     scheduled_at=timezone.now() + timedelta(hours=2),
                                     place=f"{listing.postcode} {listing.city}, at the seller's home")
    title = f"{listing.make} {listing.model}"
    services.inspection_report_save(inspection=inspection, actor=inspector, items=_answers(findings),
                                    facts={**facts, "vin_on_car": listing.vin})
    services.inspection_photo_add(inspection=inspection, actor=inspector, target="odometer",
                                  upload=_photo(f"{title}: {facts['odometer_km']:,} km", (20, 20, 24), 1))
    for number, key in enumerate(sorted(k for k, (v, _) in findings.items() if v == Status.MAJOR), 2):
        services.inspection_photo_add(inspection=inspection, actor=inspector, target=f"item:{key}",
                                      upload=_photo(f"{title}: {key.split('.')[1]}", (150, 60, 40), number))
    for number, (panel, kind, severity, note) in enumerate(damage, 10):
        services.inspection_damage_add(inspection=inspection, actor=inspector, panel=panel, type=kind,
                                       severity=severity, note=note,
                                       upload=_photo(f"{title}: {kind} on {panel}", (120, 90, 60), number))
    services.inspection_publish(inspection=inspection, actor=inspector)
    if state == "approved":
        services.inspection_listing_approve(inspection=inspection, actor=staff, reason="Demo data: report reviewed.")
    inspection.refresh_from_db()
    return inspection


def demo_inspections_ensure() -> list[Inspection]:
    staff = User.objects.get(email__iexact="admin@gavel.test")
    inspector = User.objects.get(email__iexact="inspector@gavel.test")
    result = []
    for vin, (state, findings, damage, facts) in DEMO_INSPECTIONS.items():
        listing = Listing.objects.filter(vin=vin).exclude(status__in=["withdrawn", "rejected"]).first()
        if listing is None:
            continue
        inspection = demo_inspection_walk(listing=listing, state=state, findings=findings, damage=damage,
                                          facts=facts, staff=staff, inspector=inspector)
        if inspection is not None:
            result.append(inspection)
    return result
