from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import PermissionRefused, ValidationFailed
from inspections import services
from inspections.models import Inspection, InspectionReport, ReportFrozen
from inspections.report import canonical_json, content_fingerprint
from marketplace.models import Listing
from tests.accounts.factories import InspectorFactory
from tests.inspections.factories import (
    jpeg_upload,
    published_inspection,
    ready_inspection,
    scheduled_inspection,
    submitted_listing,
)

pytestmark = pytest.mark.django_db


def test_submitting_a_listing_creates_one_requested_inspection_in_its_city():
    listing = submitted_listing(city="Potsdam")
    inspection = Inspection.objects.get(listing=listing)
    assert (inspection.status, inspection.region, inspection.inspector_id) == ("requested", "Potsdam", None)
    assert services.inspection_request_for(listing=listing) == inspection  # idempotent
    assert Inspection.objects.filter(listing=listing).count() == 1


def test_withdrawing_the_listing_cancels_its_open_inspection():
    inspection = scheduled_inspection()
    listing = inspection.listing
    services.listing_withdraw_and_cancel_inspection(listing=listing, actor=listing.seller, reason="Sold privately")
    inspection.refresh_from_db()
    assert inspection.status == "cancelled"
    assert "withdrew" in inspection.cancel_reason


def test_rejecting_the_listing_cancels_its_open_inspection(staff):
    listing = submitted_listing()
    services.listing_reject_and_cancel_inspection(listing=listing, actor=staff, reason="Not a real car")
    assert Inspection.objects.get(listing=listing).status == "cancelled"


def test_an_inspector_claims_an_open_inspection_in_their_region_case_insensitively():
    inspection = Inspection.objects.get(listing=submitted_listing(city="BERLIN"))
    inspector = InspectorFactory(region=" berlin ")
    services.inspection_claim(inspection=inspection, inspector=inspector)
    assert inspection.inspector_id == inspector.pk
    with pytest.raises(services.AlreadyClaimed):
        services.inspection_claim(inspection=inspection, inspector=InspectorFactory(region="Berlin"))


def test_an_inspector_cannot_claim_outside_their_region_but_may_claim_one_without_a_region():
    far = Inspection.objects.get(listing=submitted_listing(city="München"))
    with pytest.raises(PermissionRefused):
        services.inspection_claim(inspection=far, inspector=InspectorFactory(region="Berlin"))
    Inspection.objects.filter(pk=far.pk).update(region="")
    far.refresh_from_db()
    services.inspection_claim(inspection=far, inspector=InspectorFactory(region="Berlin"))


def test_booking_schedules_the_inspection_and_the_listing_and_the_seller_reads_it():
    from payments.selectors import seller_car_status

    inspector = InspectorFactory(full_name="Ingrid Inspektor")
    inspection = scheduled_inspection(inspector=inspector)
    listing = Listing.objects.get(pk=inspection.listing_id)
    assert (inspection.status, listing.status) == ("scheduled", "inspection_scheduled")
    text = seller_car_status(listing=listing).text
    assert text.startswith("Inspection booked: ") and "at Invalidenstraße 1, Berlin with Ingrid." in text


def test_booking_in_the_past_or_without_a_place_is_refused_with_field_errors():
    inspection = scheduled_inspection()
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_schedule(inspection=inspection, actor=inspection.inspector,
                                     scheduled_at=timezone.now() - timedelta(hours=1), place=" ")
    assert set(refused.value.fields) == {"scheduled_at", "place"}


def test_only_the_assigned_inspector_may_save_the_report():
    inspection = scheduled_inspection()
    with pytest.raises(PermissionRefused):
        services.inspection_report_save(inspection=inspection, actor=InspectorFactory(),
                                        items={"engine.idle": {"status": "ok"}})


def test_partial_saves_merge_and_the_first_save_starts_the_report():
    inspection = scheduled_inspection()
    actor = inspection.inspector
    services.inspection_report_save(inspection=inspection, actor=actor, items={"engine.idle": {"status": "minor"}})
    services.inspection_report_save(inspection=inspection, actor=actor,
                                    items={"engine.idle": {"note": "Hunts a little"},
                                           "tyres_wheels.tread_fl": {"value": "2.5"}})
    assert inspection.status == "in_progress"
    assert inspection.draft["items"]["engine.idle"] == {"status": "minor", "note": "Hunts a little"}
    assert inspection.draft["items"]["tyres_wheels.tread_fl"] == {"value": "2.5", "status": "minor", "note": ""}


def test_bad_answers_are_refused_by_field_and_nothing_is_saved():
    inspection = scheduled_inspection()
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_report_save(
            inspection=inspection, actor=inspection.inspector,
            items={"engine.idle": {"status": "great"}, "tyres_wheels.tread_fl": {"value": 2.5},
                   "engine.warp_core": {"status": "ok"}, "engine.noise": {"status": "ok"}},
            facts={"odometer_km": "lots"})
    assert set(refused.value.fields) == {"items.engine.idle", "items.tyres_wheels.tread_fl",
                                         "items.engine.warp_core", "facts.odometer_km"}
    inspection.refresh_from_db()
    assert inspection.draft["items"] == {}


def test_publish_is_refused_naming_every_missing_item_and_fact():
    inspection = scheduled_inspection()
    services.inspection_report_save(inspection=inspection, actor=inspection.inspector,
                                    items={"engine.idle": {"status": "ok"}})
    with pytest.raises(services.ReportIncomplete) as refused:
        services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    fields = refused.value.fields
    assert "items.engine.idle" not in fields
    assert fields["items.engine.noise"] == ["Engine: “Engine noise (knocks, ticks)” is required."]
    assert "items.engine.turbo" not in fields  # optional
    assert {"facts.odometer_km", "facts.vin_on_car", "facts.accident", "facts.odometer_photo"} <= set(fields)
    assert not InspectionReport.objects.exists()


def test_publishing_freezes_revision_1_and_moves_the_listing_to_inspected():
    inspection, report = published_inspection()
    listing = Listing.objects.get(pk=inspection.listing_id)
    assert (inspection.status, listing.status) == ("published", "inspected")
    assert (report.revision, report.is_current, report.grade, report.score) == (1, True, "A", 100)
    assert report.fingerprint == content_fingerprint(report.content)
    assert len(report.fingerprint) == 64
    assert report.content["listing"]["vin"] == listing.vin
    assert "reserve_minor" not in canonical_json(report.content).decode()


def test_a_published_report_cannot_be_edited_by_any_service_or_model_path():
    inspection, report = published_inspection()
    actor = inspection.inspector
    with pytest.raises(services.ReportPublished):
        services.inspection_report_save(inspection=inspection, actor=actor, items={"engine.idle": {"status": "major"}})
    with pytest.raises(services.ReportPublished):
        services.inspection_photo_add(inspection=inspection, actor=actor, target="odometer", upload=jpeg_upload())
    with pytest.raises(services.ReportPublished):
        services.inspection_publish(inspection=inspection, actor=actor)
    report.grade = "E"
    with pytest.raises(ReportFrozen):
        report.save()
    with pytest.raises(ReportFrozen):
        InspectionReport.objects.filter(pk=report.pk).update(score=1)
    with pytest.raises(ReportFrozen):
        report.delete()
    report.refresh_from_db()
    assert report.grade == "A"


def test_a_correction_makes_revision_2_and_keeps_revision_1_superseded(staff):
    inspection, first = published_inspection()
    services.inspection_reopen(inspection=inspection, actor=staff, reason="Front left tyre was misread")
    assert inspection.status == "in_progress"
    # Until the correction is published, dealers still read revision 1.
    first.refresh_from_db()
    assert first.is_current
    services.inspection_report_save(inspection=inspection, actor=inspection.inspector,
                                    items={"tyres_wheels.tread_fl": {"value": "1.2", "note": "Corded inside"}})
    second = services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    first.refresh_from_db()
    assert (second.revision, second.is_current) == (2, True)
    assert (first.is_current, first.superseded_at is not None, first.revision) == (False, True, 1)
    assert first.fingerprint != second.fingerprint
    assert second.score == 95 and second.grade == "A"  # tyres 8 × 60 % = 4.80 -> 95.20 -> 95
    assert list(InspectionReport.objects.filter(inspection=inspection).values_list("revision", flat=True)) == [2, 1]


def test_only_staff_open_a_correction_and_only_of_a_published_report(staff):
    inspection = ready_inspection()
    with pytest.raises(PermissionRefused):
        services.inspection_reopen(inspection=inspection, actor=inspection.inspector, reason="Mine")
    with pytest.raises(services.InspectionConflict) as refused:
        services.inspection_reopen(inspection=inspection, actor=staff, reason="Fix")
    assert (refused.value.code, refused.value.status_code) == ("not_published", 409)


def test_staff_approve_an_inspected_car_for_auction_or_reject_it_with_a_reason(staff):
    inspection, _ = published_inspection()
    services.inspection_listing_approve(inspection=inspection, actor=staff)
    assert Listing.objects.get(pk=inspection.listing_id).status == "approved"
    other, _ = published_inspection()
    services.inspection_listing_reject(inspection=other, actor=staff, reason="Engine number ground off")
    listing = Listing.objects.get(pk=other.listing_id)
    assert (listing.status, listing.rejection_reason) == ("rejected", "Engine number ground off")
    assert Inspection.objects.get(pk=other.pk).status == "published"  # the report is kept


@pytest.mark.parametrize("odometer, flagged", [(101_000, False), (99_000, False), (101_001, True), (98_999, True)])
def test_the_odometer_flag_needs_more_than_the_margin(odometer, flagged, settings):
    settings.GAVEL_ODOMETER_MARGIN_KM = 1_000
    _, report = published_inspection(listing=submitted_listing(mileage_km=100_000), facts={"odometer_km": odometer})
    assert report.flag_odometer is flagged
    assert report.has_flags is flagged
    assert report.content["flags"]["odometer_difference_km"] == abs(odometer - 100_000)


def test_a_vin_on_the_car_that_differs_from_the_listing_is_flagged_after_normalising():
    listing = submitted_listing()
    _, same = published_inspection(listing=listing, facts={"vin_on_car": " " + listing.vin.lower()[:5] + "-" +
                                                           listing.vin.lower()[5:]})
    assert same.flag_vin_mismatch is False
    _, other = published_inspection(facts={"vin_on_car": "WVWZZZ1KZ99999999"})
    assert other.flag_vin_mismatch is True and other.has_flags


@pytest.mark.parametrize("indicator, grade", [("accident", "C"), ("flood", "E"), ("fire", "E")])
def test_accident_flood_and_fire_indicators_are_flagged_and_cap_the_grade(indicator, grade):
    _, report = published_inspection(facts={indicator: True})
    assert getattr(report, f"flag_{indicator}") is True and report.has_flags
    assert report.grade == grade


def test_removing_a_photo_that_a_published_revision_shows_only_detaches_it(staff):
    inspection, report = published_inspection()
    photo = inspection.photos.get(target="odometer")
    services.inspection_reopen(inspection=inspection, actor=staff, reason="Better odometer photo")
    services.inspection_photo_remove(inspection=inspection, actor=inspection.inspector, photo_id=photo.pk)
    photo.refresh_from_db()
    assert photo.detached_at is not None
    assert report.photo_ids[photo.sha256] == photo.pk
