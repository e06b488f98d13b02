"""Reads for inspections and published reports. Visibility rules live here, in one place.

- An inspection (and its draft): the assigned inspector and staff.
- A published report: the listing's seller, staff, verified dealers, and the assigned inspector.
"""

from datetime import timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import DealerProfile, User
from core.selectors import record
from inspections import report as report_data
from inspections.checklist import Status, checklist_load
from inspections.grading import explanation_for_reader, grade_method_lines
from inspections.models import Inspection, InspectionPhoto, InspectionReport
from marketplace.models import Listing

S = Inspection.Status


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def inspection_list_for(*, user: User) -> QuerySet:
    """Inspector: the inspections assigned to them; staff: all; anyone else: none."""
    queryset = Inspection.objects.select_related("listing", "inspector").order_by("-created_at", "-id")
    if not _authenticated(user):
        return queryset.none()
    if user.is_staff_member:
        return queryset
    if user.role == User.Role.INSPECTOR:
        return queryset.filter(inspector=user)
    return queryset.none()


def inspection_get_for(*, user: User, inspection_id) -> Inspection | None:
    try:
        inspection_id = int(inspection_id)
    except (TypeError, ValueError):
        return None
    return inspection_list_for(user=user).filter(pk=inspection_id).first()


def inspection_open_in_region(*, inspector: User) -> QuerySet:
    """Unassigned requests an inspector may claim: their region (case-insensitive) or no region."""
    region = (inspector.region or "").strip()
    match = Q(region="")
    if region:
        match |= Q(region__iexact=region)
    return (Inspection.objects.filter(status=S.REQUESTED, inspector__isnull=True).filter(match)
            .select_related("listing").order_by("created_at", "id"))


def inspection_queue(*, inspector: User) -> dict:
    """The inspector's work, in the sections of the queue page."""
    mine = list(inspection_list_for(user=inspector).exclude(status=S.CANCELLED))
    today = timezone.localdate()
    recent = timezone.now() - timedelta(days=14)
    return {
        "assigned": [i for i in mine if i.status == S.REQUESTED],
        "scheduled_today": [i for i in mine if i.status == S.SCHEDULED and i.scheduled_at
                            and timezone.localdate(i.scheduled_at) == today],
        "scheduled_later": [i for i in mine if i.status == S.SCHEDULED and not (
            i.scheduled_at and timezone.localdate(i.scheduled_at) == today)],
        "in_progress": [i for i in mine if i.status == S.IN_PROGRESS],
        "submitted": [i for i in mine if i.status == S.SUBMITTED
                      or (i.status == S.PUBLISHED and i.published_at and i.published_at >= recent)],
        "open_in_region": list(inspection_open_in_region(inspector=inspector)[:50]),
    }


def inspection_for_listing(*, listing: Listing) -> Inspection | None:
    """The listing's live (not cancelled) inspection."""
    return (Inspection.objects.filter(listing=listing).exclude(status=S.CANCELLED)
            .select_related("inspector").first())


def inspections_for_listings(*, listing_ids) -> dict[int, Inspection]:
    """{listing id: its live (not cancelled) inspection} for many listings, in one query."""
    rows = (Inspection.objects.filter(listing_id__in=list(listing_ids)).exclude(status=S.CANCELLED)
            .select_related("inspector"))
    return {inspection.listing_id: inspection for inspection in rows}


def inspection_booking_text(*, inspection: Inspection | None) -> str:
    """What the seller reads about the appointment, or "" when none is booked."""
    if inspection is None or inspection.status != S.SCHEDULED or not inspection.scheduled_at:
        return ""
    when = timezone.localtime(inspection.scheduled_at)
    name = inspection.inspector.get_short_name() if inspection.inspector else _("our inspector")
    return _("Inspection booked: %(when)s at %(place)s with %(name)s.") % {
        "when": dateformat.format(when, "D d M Y, H:i"), "place": inspection.place, "name": name}


# Published reports ---------------------------------------------------------------------------------


def report_current_for_listing(*, listing_id) -> InspectionReport | None:
    return InspectionReport.objects.filter(listing_id=listing_id, is_current=True).first()


def listing_grade_expression(*, prefix: str = ""):
    """The current published grade of a listing as a subquery: `prefix` is the path from the queried
    model to the listing ("" when querying listings, "listing" from an auction)."""
    return Subquery(InspectionReport.objects.filter(
        listing_id=OuterRef(f"{prefix}__pk" if prefix else "pk"), is_current=True).values("grade")[:1])


def report_can_view(*, user: User, listing: Listing) -> bool:
    if not _authenticated(user):
        return False
    if user.is_staff_member or listing.seller_id == user.pk:
        return True
    if user.role == User.Role.DEALER:
        return DealerProfile.objects.filter(user=user, status=DealerProfile.Status.VERIFIED).exists()
    if user.role == User.Role.INSPECTOR:
        return Inspection.objects.filter(listing=listing, inspector=user).exclude(status=S.CANCELLED).exists()
    return False


def report_get_visible(*, user: User, listing_id, revision=None) -> InspectionReport | None:
    """The current published report of a listing (or, for staff, any revision), if `user` may see it."""
    try:
        listing_id = int(listing_id)
    except (TypeError, ValueError):
        return None
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None or not report_can_view(user=user, listing=listing):
        return None
    reports = InspectionReport.objects.filter(listing=listing).select_related("listing", "inspection__inspector")
    if revision is not None and user.is_staff_member:
        try:
            return reports.filter(revision=int(revision)).first()
        except (TypeError, ValueError):
            return None
    return reports.filter(is_current=True).first()


def report_lines(*, report: InspectionReport) -> list[dict]:
    """Every line of a published revision (inspections.report.report_lines), from its frozen content."""
    return report_data.report_lines(report.content, checklist=checklist_load(report.checklist_version))


def report_disclosed_items(*, report: InspectionReport) -> dict:
    """What a published revision disclosed, the snapshot a sale keeps: every checklist item with a minor or major
    finding, every damage-map entry and every raised flag, by line key:
    {key: {"category", "label", "severity", "note", "text"}}. A record, so in English like the report's content,
    whoever's request opens the sale; pages show its lines in their reader's language by key (report_lines)."""
    with translation.override("en"):
        return {line["key"]: {name: line[name] for name in ("category", "label", "severity", "note", "text")}
                for line in report_lines(report=report) if line["disclosed"]}


def report_revisions(*, report: InspectionReport) -> QuerySet:
    return InspectionReport.objects.filter(inspection_id=report.inspection_id).order_by("-revision")


def report_view(*, report: InspectionReport) -> dict:
    """Everything a report page or the API shows, from the frozen content only (never the draft).
    No reserve, no price, no seller identity: dealers read this."""
    content = report.content
    checklist = checklist_load(content["checklist_version"])
    photo_rows = {p.pk: p for p in InspectionPhoto.objects.filter(pk__in=list(report.photo_ids.values()))}

    def photos(digests):
        return [photo_rows[report.photo_ids[d]] for d in digests
                if d in report.photo_ids and report.photo_ids[d] in photo_rows]

    findings, categories = [], []
    for category in checklist.categories:
        counts = {status: 0 for status in Status.ALL}
        for item in category.items:
            entry = content["items"].get(item.key)
            if entry is None:
                continue
            counts[entry["status"]] += 1
            if entry["status"] in (Status.MINOR, Status.MAJOR):
                findings.append({"key": item.key, "label": item.display_label, "category": category.display_label,
                                 "status": entry["status"], "note": entry["note"], "value": entry.get("value"),
                                 "unit": item.display_unit, "photos": photos(entry.get("photos", []))})
        categories.append({"key": category.key, "label": category.display_label, "counts": counts,
                           "items": len(category.items)})
    damage = [{**entry, "panel_label": report_data.panel_label(entry["panel"]),
               "type_label": report_data.damage_type_label(entry["type"]),
               "panel_in_sentence": report_data.panel_in_sentence(entry["panel"]),
               "photos": photos(entry.get("photos", []))} for entry in content["damage"]]
    tyres = [{"label": checklist.by_key[key].display_label, "value": entry.get("value"), "status": entry["status"]}
             for key, entry in sorted(content["items"].items())
             if key in checklist.by_key and checklist.by_key[key].kind == "measure"]
    keys_entry = content["items"].get("documents.keys_count") or {}
    return {
        "report": report,
        "content": content,
        "result": {**content["result"],
                   "explanation": explanation_for_reader(content["result"], checklist=checklist)},
        "flags": content["flags"],
        "facts": content["facts"],
        "keys_count": keys_entry.get("value"),
        "odometer_photos": photos(content["facts"].get("odometer_photos", [])),
        "findings": findings,
        "categories": categories,
        "damage": damage,
        "tyres": tyres,
        "method": grade_method_lines(),
        "listing_facts": content["listing"],
    }


def inspection_draft_view(*, inspection: Inspection) -> dict:
    """The work page's data: categories with each item's saved answer and photos, progress, facts."""
    checklist = checklist_load(inspection.checklist_version)
    draft = inspection.draft or {}
    answers = draft.get("items", {})
    photos_by_target: dict[str, list] = {}
    for photo in inspection.photos.filter(detached_at__isnull=True):
        photos_by_target.setdefault(photo.target, []).append(photo)
    categories = []
    for category in checklist.categories:
        rows = [{"item": item, "answer": answers.get(item.key, {}), "photos": photos_by_target.get(f"item:{item.key}",
                                                                                               [])}
                for item in category.items]
        done = sum(1 for row in rows if row["answer"].get("status"))
        label = category.display_label
        categories.append({"key": category.key, "label": label, "rows": rows, "done": done,
                           "label_in_sentence": label.lower() if (translation.get_language() or "en").startswith("en")
                           else label,
                           "total": len(rows)})
    answered, required = report_data.draft_progress(draft, checklist=checklist)
    damage = [{**entry, "panel_label": report_data.panel_label(entry["panel"]),
               "type_label": report_data.damage_type_label(entry["type"]),
               "panel_in_sentence": report_data.panel_in_sentence(entry["panel"]),
               "photos": photos_by_target.get(f"damage:{entry['id']}", [])} for entry in draft.get("damage", [])]
    return {
        "checklist": checklist,
        "categories": categories,
        "answered": answered,
        "required": required,
        "facts": draft.get("facts", {}),
        "odometer_photos": photos_by_target.get("odometer", []),
        "damage": damage,
    }


def inspection_progress(*, inspection: Inspection) -> tuple[int, int]:
    return report_data.draft_progress(inspection.draft, checklist=checklist_load(inspection.checklist_version))


INSPECTION_EXPORT_FIELDS = ("id", "listing", "inspector", "status", "region", "scheduled_at", "place", "cancel_reason",
                            "created_at", "started_at", "submitted_at", "published_at")


def personal_data(*, user: User) -> dict:
    """Inspections of the person's cars, and (an inspector) those they carried out, with the published reports'
    grades (privacy.selectors.personal_data_export)."""
    requested = Inspection.objects.filter(listing__seller=user).order_by("created_at", "id")
    performed = Inspection.objects.filter(inspector=user).order_by("created_at", "id")
    reports = InspectionReport.objects.filter(Q(listing__seller=user) | Q(inspection__inspector=user))
    return {
        "inspections_of_your_cars": [record(i, INSPECTION_EXPORT_FIELDS) for i in requested],
        "inspections_you_carried_out": [record(i, INSPECTION_EXPORT_FIELDS) for i in performed],
        "inspection_reports": [record(r, ("id", "inspection", "listing", "revision", "grade", "score", "fingerprint",
                                          "published_at", "is_current"))
                               for r in reports.order_by("published_at", "id")],
    }


def account_closure_obstacles(*, user: User) -> list[str]:
    """An inspector with inspections still open (scheduled, started or submitted): hand them back first."""
    count = Inspection.objects.filter(inspector=user, status__in=Inspection.OPEN_STATUSES).count()
    if count:
        return [ngettext("%(count)s inspection assigned to you is not finished: ask our team to hand them to another "
                         "inspector first.",
                         "%(count)s inspections assigned to you are not finished: ask our team to hand them to another "
                         "inspector first.", count) % {"count": count}]
    return []
