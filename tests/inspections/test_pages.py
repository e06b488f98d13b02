import re

import pytest
from django.urls import reverse

from inspections.models import Inspection, InspectionReport
from marketplace.models import Listing
from tests.accounts.factories import DealerFactory, InspectorFactory, SellerFactory, StaffFactory
from tests.inspections.factories import (
    jpeg_upload,
    published_inspection,
    ready_inspection,
    scheduled_inspection,
    submitted_listing,
)

pytestmark = pytest.mark.django_db


def test_the_queue_shows_the_inspectors_sections_and_the_open_requests_in_their_region(page_client):
    inspector = InspectorFactory(region="Berlin")
    mine = scheduled_inspection(inspector=inspector)
    open_here = Inspection.objects.get(listing=submitted_listing(city="berlin"))
    elsewhere = Inspection.objects.get(listing=submitted_listing(city="Hamburg"))
    page = page_client(inspector).get("/inspect/")
    html = page.content.decode()
    assert page.status_code == 200
    for heading in ("Scheduled today", "In progress", "Assigned to me", "Open in my region (Berlin)"):
        assert heading in html
    assert reverse("inspections:work", args=[mine.pk]) in html
    assert reverse("inspections:claim", args=[open_here.pk]) in html
    assert reverse("inspections:claim", args=[elsewhere.pk]) not in html
    dashboard = page_client(inspector).get("/accounts/dashboard/").content.decode()
    assert reverse("inspections:work", args=[mine.pk]) in dashboard
    assert reverse("inspections:claim", args=[open_here.pk]) in dashboard


def test_claiming_from_the_queue_page_assigns_the_inspection(page_client):
    inspector = InspectorFactory(region="Berlin")
    inspection = Inspection.objects.get(listing=submitted_listing(city="Berlin"))
    response = page_client(inspector).post(reverse("inspections:claim", args=[inspection.pk]))
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.inspector_id == inspector.pk


@pytest.mark.parametrize("role, status", [("inspector", 200), ("staff", 200), ("other_inspector", 404),
                                          ("owner", 404), ("dealer", 404)])
def test_the_work_page_is_for_the_assigned_inspector_and_staff(role, status, page_client):
    inspection = scheduled_inspection()
    user = {"inspector": inspection.inspector, "staff": StaffFactory(), "other_inspector": InspectorFactory(),
            "owner": inspection.listing.seller, "dealer": DealerFactory(verified=True)}[role]
    assert page_client(user).get(reverse("inspections:work", args=[inspection.pk])).status_code == status


def test_the_queue_is_only_for_inspectors(page_client, client):
    assert page_client(SellerFactory()).get("/inspect/").status_code == 403
    assert client.get("/inspect/").status_code == 302  # to the login page


def test_the_work_page_lists_every_category_with_progress(page_client):
    inspection = scheduled_inspection()
    html = page_client(inspection.inspector).get(reverse("inspections:work", args=[inspection.pk])).content.decode()
    assert "0 of 135" in html
    for label in ("Exterior panels", "Tyres and wheels", "Underbody and corrosion", "Test drive", "Damage map",
                  "Recorded facts"):
        assert label in html
    assert f'hx-post="/inspect/{inspection.pk}/save/"' in html


def test_an_htmx_save_of_one_row_returns_the_row_and_the_progress(page_client):
    inspection = scheduled_inspection()
    response = page_client(inspection.inspector).post(
        reverse("inspections:save", args=[inspection.pk]),
        {"row": "engine.idle", "status__engine.idle": "minor", "note__engine.idle": "Hunts at idle",
         "photo__engine.idle": jpeg_upload()}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-key="engine.idle"' in html and "Saved ✓" in html and 'hx-swap-oob="true"' in html
    assert "1 of 135" in html
    inspection.refresh_from_db()
    assert inspection.draft["items"]["engine.idle"] == {"status": "minor", "note": "Hunts at idle"}
    assert inspection.photos.get().target == "item:engine.idle"


def test_an_htmx_save_with_a_bad_value_shows_the_error_in_the_row(page_client):
    inspection = scheduled_inspection()
    response = page_client(inspection.inspector).post(
        reverse("inspections:save", args=[inspection.pk]),
        {"row": "tyres_wheels.tread_fl", "value__tyres_wheels.tread_fl": "deep", "note__tyres_wheels.tread_fl": ""},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only 2xx: the error travels in the fragment
    assert "Enter a number." in response.content.decode() and "Saved" not in response.content.decode()


def test_a_section_saves_without_javascript_and_facts_too(page_client):
    inspection = scheduled_inspection()
    client = page_client(inspection.inspector)
    url = reverse("inspections:save", args=[inspection.pk])
    response = client.post(url, {"section": "brakes", "status__brakes.pads_front": "ok",
                                 "status__brakes.discs_front": "major", "note__brakes.discs_front": "Scored",
                                 "value__tyres_wheels.tread_spare": "", "na__tyres_wheels.tread_spare": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#brakes")
    client.post(url, {"section": "facts", "fact__odometer_km": "100 250", "fact__vin_on_car": "wvw zzz",
                      "fact__flood": "no", "photo__odometer": jpeg_upload()})
    inspection.refresh_from_db()
    assert inspection.draft["items"]["brakes.discs_front"] == {"status": "major", "note": "Scored"}
    assert inspection.draft["items"]["tyres_wheels.tread_spare"]["status"] == "na"
    assert inspection.draft["facts"] == {"odometer_km": 100_250, "vin_on_car": "WVWZZZ", "flood": False}
    assert inspection.photos.filter(target="odometer").exists()


def test_booking_an_appointment_on_the_page(page_client):
    listing = submitted_listing()
    inspection = Inspection.objects.get(listing=listing)
    inspector = InspectorFactory()
    inspection.inspector = inspector
    inspection.save(update_fields=["inspector"])
    response = page_client(inspector).post(reverse("inspections:schedule", args=[inspection.pk]),
                                          {"scheduled_at": "2099-05-04T10:30", "place": "Garage Nord, Berlin"})
    assert response.status_code == 302
    seller_page = page_client(listing.seller).get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert "Inspection booked: Mon 04 May 2099, 10:30 at Garage Nord, Berlin with" in seller_page


def test_publishing_an_incomplete_report_on_the_page_lists_what_is_missing(page_client):
    inspection = scheduled_inspection()
    response = page_client(inspection.inspector).post(reverse("inspections:publish", args=[inspection.pk]))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Still missing" in html and "Brakes: “Front pads” is required." in html
    assert "A photo of the odometer is required." in html


def test_publishing_on_the_page_leads_to_the_report(page_client):
    inspection = ready_inspection()
    response = page_client(inspection.inspector).post(reverse("inspections:publish", args=[inspection.pk]))
    assert response.status_code == 302 and response["Location"] == f"/cars/{inspection.listing_id}/report/"


def test_a_published_report_cannot_be_edited_through_the_pages(page_client):
    inspection, report = published_inspection()
    client = page_client(inspection.inspector)
    client.post(reverse("inspections:save", args=[inspection.pk]), {"status__engine.idle": "major"})
    client.post(reverse("inspections:damage_add", args=[inspection.pk]),
                {"panel": "roof", "type": "dent", "severity": "major"})
    response = client.post(reverse("inspections:save", args=[inspection.pk]),
                           {"row": "engine.idle", "status__engine.idle": "major"}, HTTP_HX_REQUEST="true")
    assert "This report is published and frozen" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.draft["items"]["engine.idle"]["status"] == "ok" and inspection.draft["damage"] == []
    work = client.get(reverse("inspections:work", args=[inspection.pk])).content.decode()
    assert "hx-post" not in work and "Publish report" not in work


@pytest.mark.parametrize("role, status", [("owner", 200), ("dealer", 200), ("inspector", 200), ("staff", 200),
                                          ("other_seller", 404), ("unverified_dealer", 404),
                                          ("other_inspector", 404)])
def test_the_report_page_per_role(role, status, page_client):
    inspection, report = published_inspection(items={"engine.oil_leaks": {"status": "minor", "note": "Sweats"}})
    user = {"owner": inspection.listing.seller, "dealer": DealerFactory(verified=True),
            "inspector": inspection.inspector, "staff": StaffFactory(), "other_seller": SellerFactory(),
            "unverified_dealer": DealerFactory(), "other_inspector": InspectorFactory()}[role]
    response = page_client(user).get(f"/cars/{inspection.listing_id}/report/")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert report.fingerprint in html and f'data-grade="{report.grade}"' in html
        assert "Sweats" in html and "How the grade is computed" in html


def test_the_dealer_report_page_never_shows_the_reserve_or_the_seller(page_client):
    inspection, _ = published_inspection()
    seller = inspection.listing.seller
    html = page_client(DealerFactory(verified=True)).get(f"/cars/{inspection.listing_id}/report/").content.decode()
    # The live script's word list (the same on every signed-in page: "Reserve met" for a card's badge) is not data.
    html = re.sub(r'<script id="live-texts" type="application/json">.*?</script>', "", html, flags=re.S)
    assert "data-inspector-record" in html or "grade" in html  # the report itself is there
    plate = inspection.listing.registration_plate
    for secret in ("12,345", "12.345", "Reserve", seller.email, seller.full_name, plate):
        assert secret not in html


def test_staff_see_every_revision_on_the_report_page(page_client, staff):
    from inspections import services

    inspection, first = published_inspection()
    services.inspection_reopen(inspection=inspection, actor=staff, reason="Fix")
    services.inspection_report_save(inspection=inspection, actor=inspection.inspector,
                                    items={"interior.odour": {"status": "minor", "note": "Smoker"}})
    second = services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    html = page_client(staff).get(f"/cars/{inspection.listing_id}/report/").content.decode()
    assert "Revision 1" in html and "Revision 2" in html and "superseded" in html
    old = page_client(staff).get(f"/cars/{inspection.listing_id}/report/?revision=1").content.decode()
    assert first.fingerprint in old and "This revision was superseded" in old
    dealer_view = page_client(DealerFactory(verified=True)).get(
        f"/cars/{inspection.listing_id}/report/?revision=1").content.decode()
    assert second.fingerprint in dealer_view and first.fingerprint not in dealer_view


def test_the_seller_sees_the_grade_on_their_listing_page(page_client):
    inspection, report = published_inspection()
    html = page_client(inspection.listing.seller).get(
        reverse("marketplace:detail", args=[inspection.listing_id])).content.decode()
    assert f"Grade {report.grade}" in html and f"/cars/{inspection.listing_id}/report/" in html


# Admin ---------------------------------------------------------------------------------------------


def _action(client, action, ids, **extra):
    return client.post("/admin/inspections/inspection/", {"action": action, "_selected_action": ids, **extra})


def test_staff_assign_an_inspector_through_the_admin_intermediate_page(page_client, staff):
    inspection = Inspection.objects.get(listing=submitted_listing())
    inspector = InspectorFactory()
    client = page_client(staff)
    page = _action(client, "assign_inspector", [inspection.pk])
    assert page.status_code == 200 and inspector.email in page.content.decode()
    _action(client, "assign_inspector", [inspection.pk], apply="1", inspector=inspector.pk)
    inspection.refresh_from_db()
    assert inspection.inspector_id == inspector.pk


def test_staff_approve_reject_and_correct_through_admin_actions(page_client, staff):
    client = page_client(staff)
    approved, _ = published_inspection()
    _action(client, "approve_for_auction", [approved.pk], apply="1", reason="")
    assert Listing.objects.get(pk=approved.listing_id).status == "approved"
    rejected, _ = published_inspection()
    _action(client, "reject_listing", [rejected.pk], apply="1", reason="Cloned plates")
    assert Listing.objects.get(pk=rejected.listing_id).rejection_reason == "Cloned plates"
    corrected, _ = published_inspection()
    _action(client, "open_correction", [corrected.pk], apply="1", reason="Wrong tyre")
    assert Inspection.objects.get(pk=corrected.pk).status == "in_progress"


def test_the_admin_cannot_edit_or_delete_a_published_report(page_client, staff):
    inspection, report = published_inspection()
    client = page_client(staff)
    assert client.get("/admin/inspections/inspectionreport/").status_code == 200
    assert client.get("/admin/inspections/inspection/?flag=any").status_code == 200
    view = client.get(f"/admin/inspections/inspectionreport/{report.pk}/change/")
    assert view.status_code == 200 and report.fingerprint in view.content.decode()
    posted = client.post(f"/admin/inspections/inspectionreport/{report.pk}/change/", {"grade": "E", "score": 1})
    assert posted.status_code == 403
    assert client.post(f"/admin/inspections/inspectionreport/{report.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/inspections/inspection/{inspection.pk}/change/", {"status": "requested"}).status_code \
        == 403
    report.refresh_from_db()
    assert (report.grade, InspectionReport.objects.count()) == ("A", 1)
