"""Every write to an inspection, its draft report, its photos and its published revisions.

Locking: every write re-reads the Inspection row with select_for_update() first; a listing status
change made from here happens after that lock (inspection, then listing — the same order
everywhere). Draft saves are not audited one by one (an inspector saves a hundred times per car);
status changes, assignments, appointments and publications are.
"""

import functools
import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import staff_ensure
from core.audit import audit_record
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import in_language_of
from core.models import AuditLog
from core.notifications import notify
from core.transitions import TransitionResult, transition
from inspections import report
from inspections.checklist import CURRENT_VERSION, checklist_load
from inspections.models import Inspection, InspectionPhoto, InspectionReport
from inspections.selectors import inspection_booking_text
from marketplace import images
from marketplace import services as listing_services
from marketplace.models import Listing

S = Inspection.Status


class ReportPublished(ApplicationError):
    code = "report_published"
    status_code = 409

    def default_message(self):
        return _("This report is published and frozen. A correction is a new revision, opened by Gavel staff.")


class ReportNotStarted(ApplicationError):
    code = "not_started"
    status_code = 409

    def default_message(self):
        return _("Book the appointment before you start the report.")


class ReportIncomplete(ValidationFailed):
    code = "report_incomplete"

    def default_message(self):
        return _("The report is not complete yet.")


class InspectionConflict(ApplicationError):
    """The inspection is in a state where this cannot happen (409)."""

    code = "invalid_state"
    status_code = 409


class AlreadyClaimed(ApplicationError):
    code = "already_claimed"
    status_code = 409

    def default_message(self):
        return _("Another inspector took this inspection a moment ago.")


def _lock(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("listing").get(pk=inspection.pk)


def _ensure_assigned(inspection: Inspection, actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or inspection.inspector_id != actor.pk:
        raise PermissionRefused(_("Only the inspector assigned to this inspection may do that."))


def _refresh(inspection: Inspection, locked: Inspection | None = None) -> Inspection:
    inspection.refresh_from_db()
    return inspection


# Requests ---------------------------------------------------------------------------------------


def listing_submit_for_inspection(*, listing: Listing, actor: User) -> TransitionResult:
    """The seller submits a complete draft: it becomes submitted (marketplace) and gets its inspection request,
    in one transaction, so a submitted car always has one."""
    with transaction.atomic():
        result = listing_services.listing_submit(listing=listing, actor=actor)
        inspection_request_for(listing=listing)
    return result


def listing_withdraw_and_cancel_inspection(*, listing: Listing, actor: User, reason: str = "") -> TransitionResult:
    """The seller takes the car off Gavel (marketplace); a withdrawn car needs no inspection."""
    with transaction.atomic():
        result = listing_services.listing_withdraw(listing=listing, actor=actor, reason=reason)
        inspection_cancel_open(listing=listing, actor=actor, reason="The seller withdrew the listing.")
    return result


def listing_reject_and_cancel_inspection(*, listing: Listing, actor: User, reason: str) -> TransitionResult:
    """Staff reject the car (marketplace; the seller sees the reason); a rejected car needs no inspection."""
    with transaction.atomic():
        result = listing_services.listing_reject(listing=listing, actor=actor, reason=reason)
        inspection_cancel_open(listing=listing, actor=actor,
                               reason=f"The listing was rejected: {(reason or '').strip()}")
    return result


def inspection_request_for(*, listing: Listing) -> Inspection:
    """The listing's live inspection, created as `requested` if there is none. Idempotent; called with the
    listing's submission (listing_submit_for_inspection), inside its transaction."""
    existing = Inspection.objects.filter(listing=listing).exclude(status=S.CANCELLED).first()
    if existing is not None:
        return existing
    inspection = Inspection(listing=listing, status=S.REQUESTED, region=(listing.city or "").strip(),
                            checklist_version=CURRENT_VERSION, draft=report.draft_empty())
    try:
        with transaction.atomic():
            inspection.save()
            audit_record(obj=inspection, action=AuditLog.Action.CREATE)
    except IntegrityError:
        # Two submits raced; the one-live-inspection-per-listing constraint kept the other's row.
        return Inspection.objects.filter(listing=listing).exclude(status=S.CANCELLED).get()
    return inspection


def inspection_cancel_open(*, listing: Listing, actor=None, reason: str = "") -> TransitionResult | None:
    """Cancel the listing's inspection if it has not been published (the listing was withdrawn or
    rejected). A published report stays: it is a record."""
    with transaction.atomic():
        open_ = Inspection.objects.select_for_update().filter(listing=listing, status__in=Inspection.OPEN_STATUSES)
        inspection = open_.first()
        if inspection is None:
            return None
        return transition(inspection, S.CANCELLED, actor=actor, reason=reason,
                          updates={"cancel_reason": reason})


# Assignment and appointment ---------------------------------------------------------------------


def _ensure_inspector(user) -> None:
    if not isinstance(user, User) or user.role != User.Role.INSPECTOR or not user.is_active:
        raise ValidationFailed(fields={"inspector": [_("Choose an active inspector account.")]})


def inspection_assign(*, inspection: Inspection, inspector: User, actor: User) -> Inspection:
    """Staff give the inspection to an inspector (before work on the report has started)."""
    staff_ensure(actor)
    _ensure_inspector(inspector)
    with transaction.atomic():
        locked = _lock(inspection)
        if locked.status not in (S.REQUESTED, S.SCHEDULED):
            raise InspectionConflict(_("Only an inspection that has not started can be (re)assigned."),
                                     code="not_assignable",
                                     fields={"inspector": [_("Work on this report has started.")]})
        if locked.inspector_id != inspector.pk:
            previous = locked.inspector_id
            Inspection.objects.filter(pk=locked.pk).update(inspector=inspector, updated_at=timezone.now())
            audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor,
                         data={"inspector": inspector.pk, "previous_inspector": previous})
            if locked.status == S.SCHEDULED:  # the seller expects someone else at the appointment
                _tell_seller_appointment(inspection_id=locked.pk, changed=True)
    return _refresh(inspection, locked)


def inspection_claimable(*, inspection: Inspection, inspector: User) -> bool:
    region = (inspection.region or "").strip().casefold()
    return (inspection.status == S.REQUESTED and inspection.inspector_id is None
            and (not region or region == (inspector.region or "").strip().casefold()))


def inspection_claim(*, inspection: Inspection, inspector: User) -> Inspection:
    """An inspector takes an open inspection in their region (or one without a region)."""
    if getattr(inspector, "role", None) != User.Role.INSPECTOR:
        raise PermissionRefused(_("Only inspectors can claim inspections."))
    with transaction.atomic():
        locked = _lock(inspection)
        if locked.inspector_id is not None and locked.inspector_id != inspector.pk:
            raise AlreadyClaimed()
        if locked.inspector_id == inspector.pk:
            return _refresh(inspection, locked)
        if not inspection_claimable(inspection=locked, inspector=inspector):
            raise PermissionRefused(_("This inspection is not open to you (another region, or it has started)."),
                                    code="not_claimable")
        Inspection.objects.filter(pk=locked.pk, inspector__isnull=True).update(inspector=inspector,
                                                                               updated_at=timezone.now())
        audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=inspector, data={"claimed_by": inspector.pk})
    return _refresh(inspection, locked)


def inspection_schedule(*, inspection: Inspection, actor: User, scheduled_at: datetime, place: str) -> Inspection:
    """The inspector books a time and place; the seller sees it on their listing. Re-booking is allowed
    until the report is started."""
    errors = {}
    if not isinstance(scheduled_at, datetime):
        errors["scheduled_at"] = [_("Choose a date and time.")]
    elif timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    if isinstance(scheduled_at, datetime) and scheduled_at < timezone.now():
        errors["scheduled_at"] = [_("Choose a time in the future.")]
    place = (place or "").strip()
    if not place:
        errors["place"] = [_("Say where the inspection takes place.")]
    elif len(place) > 200:
        errors["place"] = [_("At most %(limit)s characters.") % {"limit": 200}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = _lock(inspection)
        _ensure_assigned(locked, actor)
        updates = {"scheduled_at": scheduled_at, "place": place}
        if locked.status == S.REQUESTED:
            transition(locked, S.SCHEDULED, actor=actor, updates=updates,
                       data={"scheduled_at": scheduled_at.isoformat(), "place": place})
            listing = Listing.objects.select_for_update().get(pk=locked.listing_id)
            if listing.status == Listing.Status.SUBMITTED:
                transition(listing, Listing.Status.INSPECTION_SCHEDULED, actor=actor,
                           updates={"status_changed_at": timezone.now()})
            _tell_seller_appointment(inspection_id=locked.pk, changed=False)
        elif locked.status == S.SCHEDULED:
            if (locked.scheduled_at, locked.place) != (scheduled_at, place):
                Inspection.objects.filter(pk=locked.pk).update(**updates, updated_at=timezone.now())
                audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor,
                             data={"scheduled_at": scheduled_at.isoformat(), "place": place})
                _tell_seller_appointment(inspection_id=locked.pk, changed=True)
        else:
            raise InspectionConflict(_("The inspection has started; the appointment can no longer change."),
                                     code="not_schedulable")
    return _refresh(inspection, locked)


def _tell_seller_appointment(*, inspection_id: int, changed: bool) -> None:
    """The seller learns the appointment — date, time, place, the inspector's first name — in the app and by email,
    when it is booked and whenever it changes (written in the booking's transaction, mailed after commit)."""
    inspection = Inspection.objects.select_related("listing__seller", "inspector").get(pk=inspection_id)
    listing = inspection.listing
    car = listing.display_title
    assert inspection.scheduled_at is not None  # told once booked
    # Written now, in the seller's language: the date's day and month names are theirs (a translatable's
    # parameters cannot carry a date to format later).
    with in_language_of(listing.seller):
        when = dateformat.format(timezone.localtime(inspection.scheduled_at), "D d M, H:i")
        title = (_("Your inspection appointment has changed: %(when)s") % {"when": when} if changed
                 else _("Your %(car)s is booked for inspection on %(when)s") % {"car": car, "when": when})
        body = _("%(booked)s\n\nPlease have the car, all its keys and the registration document there. If the time "
                 "does not suit you, write to us at %(email)s and we find another one.") % {
            "booked": inspection_booking_text(inspection=inspection), "email": settings.GAVEL_SUPPORT_EMAIL}
    notify(user=listing.seller, kind="inspection_changed" if changed else "inspection_booked", title=title,
           url=reverse("marketplace:detail", args=[listing.pk]),
           # One per appointment as the seller reads it: its time, place and inspector.
           event_key=f"inspection:{inspection.pk}:booked:{inspection.scheduled_at.isoformat()}:{inspection.place}:"
                     f"{inspection.inspector_id}",
           body=body)


def inspection_start(*, inspection: Inspection, actor: User) -> TransitionResult:
    with transaction.atomic():
        locked = _lock(inspection)
        _ensure_assigned(locked, actor)
        result = _start_locked(locked, actor)
    _refresh(inspection, locked)
    return result


def _start_locked(locked: Inspection, actor) -> TransitionResult:
    if locked.status == S.PUBLISHED:
        raise ReportPublished()
    if locked.status in (S.REQUESTED, S.CANCELLED):
        raise ReportNotStarted() if locked.status == S.REQUESTED else InspectionConflict(
            _("This inspection was cancelled."), code="cancelled")
    if locked.status == S.SCHEDULED:
        return transition(locked, S.IN_PROGRESS, actor=actor, updates={"started_at": timezone.now()})
    return TransitionResult(False, locked.status, locked.status)


# The draft report -------------------------------------------------------------------------------


def _editable(inspection: Inspection, actor) -> Inspection:
    """Lock, check the actor, start a scheduled report on its first save, refuse a published one.
    A submitted report that is edited goes back to in progress (it must be submitted again)."""
    locked = _lock(inspection)
    _ensure_assigned(locked, actor)
    _start_locked(locked, actor)
    if locked.status == S.SUBMITTED:
        transition(locked, S.IN_PROGRESS, actor=actor, reason="Edited after submission.")
    return locked


def inspection_report_save(*, inspection: Inspection, actor: User, items: dict | None = None,
                           facts: dict | None = None, damage: list | None = None) -> Inspection:
    """A partial save: only the given items and facts change; `damage`, when given, replaces the
    damage map (entries keep their `id` when they send it). All or nothing."""
    checklist = checklist_load(inspection.checklist_version)
    with transaction.atomic():
        locked = _editable(inspection, actor)
        draft, errors = report.draft_merge(locked.draft, checklist=checklist, items=items, facts=facts)
        dropped: set = set()
        if damage is not None:
            entries, known = [], {e.get("id") for e in draft["damage"]}
            if not isinstance(damage, list):
                errors["damage"] = [_("Send a list of damage entries.")]
            else:
                for index, raw in enumerate(damage):
                    raw = raw if isinstance(raw, dict) else {}
                    entry, entry_errors = report.damage_entry_clean(
                        panel=raw.get("panel"), type=raw.get("type"), severity=raw.get("severity"),
                        note=raw.get("note", ""))
                    for name, messages in entry_errors.items():
                        errors[f"damage.{index}.{name}"] = messages
                    entry_id = raw.get("id") if raw.get("id") in known else uuid.uuid4().hex
                    entries.append({"id": entry_id, **entry})
                dropped = known - {e["id"] for e in entries}
                draft["damage"] = entries
        if errors:
            raise ValidationFailed(fields=errors)
        Inspection.objects.filter(pk=locked.pk).update(draft=draft, updated_at=timezone.now())
        if dropped:
            _photos_release(locked, [f"damage:{entry_id}" for entry_id in dropped])
    return _refresh(inspection, locked)


def inspection_damage_add(*, inspection: Inspection, actor: User, panel: str, type: str,  # noqa: A002
                          severity: str, note: str = "", upload=None) -> dict:
    """Add one damage-map entry (with an optional photo); returns the entry."""
    entry, errors = report.damage_entry_clean(panel=panel, type=type, severity=severity, note=note)
    if errors:
        raise ValidationFailed(fields=errors)
    processed = _process(upload) if upload is not None else None
    stored = _store(processed, inspection) if processed else None
    try:
        with transaction.atomic():
            locked = _editable(inspection, actor)
            draft = report.draft_merge(locked.draft, checklist=checklist_load(locked.checklist_version))[0]
            entry = {"id": uuid.uuid4().hex, **entry}
            draft["damage"].append(entry)
            Inspection.objects.filter(pk=locked.pk).update(draft=draft, updated_at=timezone.now())
            if processed:
                _photo_create(locked, f"damage:{entry['id']}", processed, stored)
    except BaseException:
        if stored:
            images.photo_files_delete(stored.values())
        raise
    _refresh(inspection, locked)
    return entry


def inspection_damage_remove(*, inspection: Inspection, actor: User, entry_id: str) -> None:
    with transaction.atomic():
        locked = _editable(inspection, actor)
        draft = report.draft_merge(locked.draft, checklist=checklist_load(locked.checklist_version))[0]
        remaining = [e for e in draft["damage"] if e.get("id") != entry_id]
        if len(remaining) == len(draft["damage"]):
            raise ValidationFailed(fields={"damage": [_("No such damage entry.")]})
        draft["damage"] = remaining
        Inspection.objects.filter(pk=locked.pk).update(draft=draft, updated_at=timezone.now())
        _photos_release(locked, [f"damage:{entry_id}"])
    _refresh(inspection, locked)


# Photos -----------------------------------------------------------------------------------------


def _process(upload) -> images.ProcessedPhoto:
    return images.photo_process(upload, name="")


def _store(processed: images.ProcessedPhoto, inspection: Inspection) -> dict[str, str]:
    return images.photo_store(processed, listing_id=inspection.listing_id)


def _photo_create(locked: Inspection, target: str, processed, stored) -> InspectionPhoto:
    return InspectionPhoto.objects.create(
        inspection=locked, target=target, original=stored["original"], thumb=stored["thumb"],
        medium=stored["medium"], large=stored["large"], width=processed.width, height=processed.height,
        content_type=processed.content_type, size_bytes=processed.size_bytes,
        sha256=hashlib.sha256(processed.files["original"]).hexdigest(),
    )


def _target_valid(locked: Inspection, target: str) -> bool:
    if target == "odometer":
        return True
    kind, _sep, name = target.partition(":")
    if kind == "item":
        return name in checklist_load(locked.checklist_version).by_key
    if kind == "damage":
        return any(e.get("id") == name for e in (locked.draft or {}).get("damage", []))
    return False


def inspection_photo_add(*, inspection: Inspection, actor: User, target: str, upload) -> InspectionPhoto:
    """One photo for an item ("item:<key>"), a damage entry ("damage:<id>") or "odometer". The same
    rules as listing photos apply (marketplace.images): a real image, size and pixel limits, EXIF gone."""
    if upload is None:
        raise ValidationFailed(fields={"photo": [_("Choose a photo to upload.")]})
    _ensure_assigned(inspection, actor)
    processed = _process(upload)
    stored = _store(processed, inspection)
    try:
        with transaction.atomic():
            locked = _editable(inspection, actor)
            if not _target_valid(locked, target):
                raise ValidationFailed(fields={"target": [_("Attach the photo to a checklist item, a damage entry "
                                                            "or the odometer.")]})
            limit = settings.GAVEL_INSPECTION_MAX_PHOTOS
            if locked.photos.filter(detached_at__isnull=True).count() >= limit:
                raise ValidationFailed(fields={"photo": [_("A report can have at most %(count)s photos.")
                                                        % {"count": limit}]})
            photo = _photo_create(locked, target, processed, stored)
            Inspection.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    except BaseException:
        images.photo_files_delete(stored.values())
        raise
    return photo


def _photos_release(locked: Inspection, targets: Iterable[str]) -> None:
    photos = list(locked.photos.filter(target__in=list(targets), detached_at__isnull=True))
    _photos_drop(locked, photos)


def _photos_drop(locked: Inspection, photos: list[InspectionPhoto]) -> None:
    """Remove photos from the draft. One that a published revision shows is only detached, never deleted."""
    published_ids = set()
    for photo_ids in locked.reports.values_list("photo_ids", flat=True):
        published_ids.update(photo_ids.values())
    now = timezone.now()
    for photo in photos:
        if photo.pk in published_ids:
            InspectionPhoto.objects.filter(pk=photo.pk).update(detached_at=now)
        else:
            names = photo.file_names
            photo.delete()
            transaction.on_commit(functools.partial(images.photo_files_delete, names))


def inspection_photo_remove(*, inspection: Inspection, actor: User, photo_id: int) -> None:
    with transaction.atomic():
        locked = _editable(inspection, actor)
        photo = locked.photos.filter(pk=photo_id, detached_at__isnull=True).first()
        if photo is None:
            raise ValidationFailed(fields={"photo": [_("This photo does not belong to the report.")]})
        _photos_drop(locked, [photo])


# Submit, publish, correct -------------------------------------------------------------------------


def _photo_targets(locked: Inspection) -> set[str]:
    return set(locked.photos.filter(detached_at__isnull=True).values_list("target", flat=True))


def _ensure_complete(locked: Inspection) -> None:
    checklist = checklist_load(locked.checklist_version)
    missing = report.draft_missing(locked.draft, checklist=checklist, photo_targets=_photo_targets(locked))
    if missing:
        count = len(missing)
        raise ReportIncomplete(f"{count} required {'entry is' if count == 1 else 'entries are'} missing.",
                               fields=missing)


def _lock_complete_report(inspection: Inspection, actor: User) -> Inspection:
    """Lock the inspection for its inspector to finish: not yet published, started, every required item answered."""
    locked = _lock(inspection)
    _ensure_assigned(locked, actor)
    if locked.status == S.PUBLISHED:
        raise ReportPublished()
    _start_locked(locked, actor)
    _ensure_complete(locked)
    return locked


def inspection_submit(*, inspection: Inspection, actor: User) -> TransitionResult:
    """The inspector marks the report complete for a last review before publishing."""
    with transaction.atomic():
        locked = _lock_complete_report(inspection, actor)
        result = transition(locked, S.SUBMITTED, actor=actor, updates={"submitted_at": timezone.now()})
    _refresh(inspection, locked)
    return result


def inspection_publish(*, inspection: Inspection, actor: User) -> InspectionReport:
    """Freeze the report: canonical content, SHA-256 fingerprint, grade, flags, as revision n+1.
    The listing becomes `inspected` (on the first publication). Never while the car is in an auction."""
    with transaction.atomic():
        locked = _lock_complete_report(inspection, actor)
        now = timezone.now()
        if locked.status == S.IN_PROGRESS:
            transition(locked, S.SUBMITTED, actor=actor, updates={"submitted_at": now})
        listing = Listing.objects.select_for_update().get(pk=locked.listing_id)
        if listing.status == Listing.Status.IN_AUCTION:
            # Dealers bid on the revision the auction was scheduled with (and a sale keeps what it disclosed):
            # a new revision mid-auction would change the car under their bids. Under the listing's row lock,
            # which scheduling takes too.
            raise InspectionConflict(
                _("The car is in an auction (scheduled, running or waiting for the seller's decision) and dealers "
                  "bid on the published report. Publish the correction once the auction is over, or ask Gavel "
                  "staff to cancel the auction first."), code="car_in_auction")
        photos = list(locked.photos.filter(detached_at__isnull=True).values_list("target", "sha256", "id"))
        content = report.report_content(
            draft=locked.draft, checklist=checklist_load(locked.checklist_version), listing=listing,
            photos=[(target, digest) for target, digest, _id in photos],
            margin_km=settings.GAVEL_ODOMETER_MARGIN_KM,
        )
        flags = content["flags"]
        revision = (locked.reports.order_by("-revision").values_list("revision", flat=True).first() or 0) + 1
        # Supersede first: at most one current report per listing (a partial unique constraint).
        InspectionReport.objects.filter(listing=listing, is_current=True).update(is_current=False,
                                                                                 superseded_at=now)
        published = InspectionReport.objects.create(
            inspection=locked, listing=listing, revision=revision, content=content,
            fingerprint=report.content_fingerprint(content),
            photo_ids={digest: photo_id for _target, digest, photo_id in sorted(photos, key=lambda p: p[2])},
            checklist_version=content["checklist_version"], formula_version=content["formula_version"],
            score=content["result"]["score"], grade=content["result"]["grade"],
            flag_odometer=flags["odometer"], flag_vin_mismatch=flags["vin_mismatch"],
            flag_accident=flags["accident"], flag_flood=flags["flood"], flag_fire=flags["fire"],
            has_flags=any(flags[name] for name in ("odometer", "vin_mismatch", "accident", "flood", "fire")),
            published_by=actor, published_at=now, is_current=True,
        )
        transition(locked, S.PUBLISHED, actor=actor, updates={"published_at": now},
                   data={"revision": revision, "fingerprint": published.fingerprint, "grade": published.grade})
        if listing.status == Listing.Status.INSPECTION_SCHEDULED:
            transition(listing, Listing.Status.INSPECTED, actor=actor, updates={"status_changed_at": now})
    _refresh(inspection, locked)
    return published


def inspection_reopen(*, inspection: Inspection, actor: User, reason: str) -> TransitionResult:
    """Staff open a correction: the published revision stays (and stays visible) until the inspector
    publishes the next one."""
    staff_ensure(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say what needs correcting; the inspector sees it.")]})
    with transaction.atomic():
        locked = _lock(inspection)
        if locked.status != S.PUBLISHED:
            raise InspectionConflict(_("Only a published report can be corrected."), code="not_published")
        result = transition(locked, S.IN_PROGRESS, actor=actor, reason=reason)
    _refresh(inspection, locked)
    return result


# Staff decisions on the listing -----------------------------------------------------------------------


def inspection_listing_approve(*, inspection: Inspection, actor: User, reason: str = "") -> TransitionResult:
    """Staff approve the inspected car for auction."""
    staff_ensure(actor)
    with transaction.atomic():
        locked = _lock(inspection)
        if locked.status != S.PUBLISHED:
            raise InspectionConflict(_("Approve a car only with a published inspection report."),
                                     code="not_published")
        listing = Listing.objects.select_for_update().get(pk=locked.listing_id)
        return transition(listing, Listing.Status.APPROVED, actor=actor, reason=(reason or "").strip(),
                          updates={"status_changed_at": timezone.now()})


def inspection_listing_reject(*, inspection: Inspection, actor: User, reason: str) -> TransitionResult:
    """Staff reject the inspected car (the seller sees the reason)."""
    return listing_reject_and_cancel_inspection(listing=inspection.listing, actor=actor, reason=reason)
