"""Builders for inspection tests. Everything goes through the services, as in production."""

import io
import itertools
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from inspections import services
from inspections import services as inspection_services
from inspections.checklist import Status, checklist_load
from marketplace import services as listing_services
from tests.accounts.factories import InspectorFactory, SellerFactory, StaffFactory

_serial = itertools.count(1)


def jpeg_upload(colour=(30, 60, 90), name="photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def submitted_listing(*, seller=None, city="Berlin", mileage_km=100_000, **fields):
    seller = seller or SellerFactory()
    n = next(_serial)
    listing = listing_services.listing_create(
        seller=seller, vin=f"WVWZZZ1KZ{n:08d}", registration_plate=f"B-T {n}", make="Volkswagen",
        model="Golf", first_registration_year=2016, mileage_km=mileage_km, fuel="petrol", transmission="manual",
        body_type="hatchback", colour="Blue", previous_owners=1, service_history=True, postcode="10115", city=city,
        reserve_minor=12_345_00, **fields)
    listing_services.listing_photo_add(listing=listing, actor=seller, upload=jpeg_upload())
    inspection_services.listing_submit_for_inspection(listing=listing, actor=seller)
    listing.refresh_from_db()
    return listing


def complete_items(overrides: dict | None = None) -> dict:
    """An answer for every checklist item: required ones OK (tread 6.0 mm, 2 keys), optional ones n.a."""
    items = {}
    for item in checklist_load().items:
        if item.kind == "measure":
            items[item.key] = {"value": "6.0"} if item.required else {"status": Status.NA}
        elif item.kind == "count":
            items[item.key] = {"value": "2"}
        else:
            items[item.key] = {"status": Status.OK if item.required else Status.NA}
    items.update(overrides or {})
    return items


def scheduled_inspection(*, inspector=None, listing=None, staff=None):
    inspector = inspector or InspectorFactory()
    listing = listing or submitted_listing()
    inspection = services.inspection_request_for(listing=listing)
    services.inspection_assign(inspection=inspection, inspector=inspector, actor=staff or StaffFactory())
    services.inspection_schedule(inspection=inspection, actor=inspector,
                                 scheduled_at=timezone.now() + timedelta(days=1), place="Invalidenstraße 1, Berlin")
    inspection.refresh_from_db()
    return inspection


def ready_inspection(*, inspector=None, listing=None, items=None, facts=None, staff=None):
    """In progress with every required answer, the facts and an odometer photo: ready to publish."""
    inspection = scheduled_inspection(inspector=inspector, listing=listing, staff=staff)
    actor = inspection.inspector
    services.inspection_report_save(
        inspection=inspection, actor=actor, items=complete_items(items),
        facts={"odometer_km": inspection.listing.mileage_km, "vin_on_car": inspection.listing.vin,
               "accident": False, "flood": False, "fire": False, **(facts or {})})
    services.inspection_photo_add(inspection=inspection, actor=actor, target="odometer",
                                  upload=jpeg_upload((5, 5, 5)))
    inspection.refresh_from_db()
    return inspection


def published_inspection(**kwargs):
    inspection = ready_inspection(**kwargs)
    report = services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    inspection.refresh_from_db()
    return inspection, report
