from typing import cast

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.models import Listing


class Inspection(models.Model):
    """One inspection of a listing: the request, the appointment and the draft report.

    Status changes only through core.transitions.transition(). The draft is JSON (see
    inspections.report for its shape) and is edited until publication; what dealers read is the
    frozen InspectionReport revision, never the draft."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted for review")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    S = Status
    TRANSITIONS = {
        S.REQUESTED: {S.SCHEDULED, S.CANCELLED},
        S.SCHEDULED: {S.IN_PROGRESS, S.CANCELLED},
        S.IN_PROGRESS: {S.SUBMITTED, S.CANCELLED},
        # The inspector may take a submitted report back to fix it before publishing.
        S.SUBMITTED: {S.IN_PROGRESS, S.PUBLISHED, S.CANCELLED},
        # A correction (staff) re-opens the report; publishing again makes the next revision.
        S.PUBLISHED: {S.IN_PROGRESS},
        S.CANCELLED: set(),
    }
    del S
    # The statuses in which the inspector edits the draft.
    EDITABLE_STATUSES = (Status.IN_PROGRESS, Status.SUBMITTED)
    OPEN_STATUSES = (Status.REQUESTED, Status.SCHEDULED, Status.IN_PROGRESS, Status.SUBMITTED)

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="inspections", limit_choices_to={"role": "inspector"})
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    region = models.CharField(max_length=100, blank=True,
                              help_text=_("Inspectors whose region matches (case-insensitive) may claim it; "
                                          "blank means anyone."))
    scheduled_at = models.DateTimeField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    checklist_version = models.CharField(max_length=16)
    draft = models.JSONField(default=dict, blank=True)
    cancel_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live inspection per listing: a cancelled one may be followed by a new request.
            models.UniqueConstraint(fields=["listing"], condition=~models.Q(status="cancelled"),
                                    name="inspections_one_live_per_listing"),
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "scheduled", "in_progress", "submitted", "published",
                                               "cancelled"]),
                name="inspections_inspection_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["inspector", "status"]), models.Index(fields=["status", "region"])]

    def __str__(self):
        return f"Inspection {self.pk} of {self.listing}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


class InspectionPhoto(models.Model):
    """A photo in a report, processed by marketplace.images exactly like a listing photo.

    `target` says what it shows: "item:<checklist key>", "damage:<entry id>" or "odometer".
    `sha256` is the digest of the stored original's bytes; the report fingerprint covers it.
    A photo that is part of a published revision is never deleted, only detached from the draft."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")
    target = models.CharField(max_length=120, db_index=True)
    original = models.ImageField(max_length=255)
    thumb = models.ImageField(max_length=255)
    medium = models.ImageField(max_length=255)
    large = models.ImageField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    detached_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Photo {self.pk} ({self.target}) of inspection {self.inspection_id}"

    @property
    def file_names(self) -> list[str]:
        return [f.name for f in (self.original, self.thumb, self.medium, self.large) if f and f.name]


class ReportFrozen(Exception):
    """A published revision was about to change. Programming error: nothing may edit one."""


class InspectionReportQuerySet(models.QuerySet):
    MUTABLE = {"is_current", "superseded_at"}

    def update(self, **kwargs):
        frozen = set(kwargs) - self.MUTABLE
        if frozen:
            raise ReportFrozen(f"Published reports are frozen; cannot update {', '.join(sorted(frozen))}.")
        return super().update(**kwargs)

    def delete(self):
        raise ReportFrozen("Published reports are kept for ever.")


class InspectionReport(models.Model):
    """One published revision of a report: immutable content and its SHA-256 fingerprint.

    `content` is the canonical report (inspections.report.report_content); `fingerprint` is the
    SHA-256 of its canonical JSON. A correction publishes revision n+1 and marks this one
    superseded; only `is_current` and `superseded_at` ever change after creation. `grade` and
    `score` are copied out of the content (indexed) so lists of cars can show them cheaply."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="reports")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="inspection_reports")
    revision = models.PositiveSmallIntegerField()
    content = models.JSONField()
    fingerprint = models.CharField(max_length=64, db_index=True)
    # photo sha256 -> InspectionPhoto id, to show the photos the content names by digest
    photo_ids = models.JSONField(default=dict)
    checklist_version = models.CharField(max_length=16)
    formula_version = models.CharField(max_length=16)
    score = models.PositiveSmallIntegerField()
    grade = models.CharField(max_length=1, db_index=True)
    flag_odometer = models.BooleanField(_("odometer differs"), default=False)
    flag_vin_mismatch = models.BooleanField(_("VIN mismatch"), default=False)
    flag_accident = models.BooleanField(_("accident indicator"), default=False)
    flag_flood = models.BooleanField(_("flood indicator"), default=False)
    flag_fire = models.BooleanField(_("fire indicator"), default=False)
    has_flags = models.BooleanField(default=False, db_index=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    objects = InspectionReportQuerySet.as_manager()

    FROZEN_FIELDS = ("inspection_id", "listing_id", "revision", "content", "fingerprint", "photo_ids",
                     "checklist_version", "formula_version", "score", "grade", "flag_odometer", "flag_vin_mismatch",
                     "flag_accident", "flag_flood", "flag_fire", "has_flags", "published_by_id", "published_at")

    class Meta:
        ordering = ["inspection", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "revision"], name="inspections_report_revision_unique"),
            # The current report of a listing, found by an index lookup (auctions list thousands of cars).
            models.UniqueConstraint(fields=["listing"], condition=models.Q(is_current=True),
                                    name="inspections_report_one_current_per_listing"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="inspections_report_score_range"),
            models.CheckConstraint(condition=models.Q(grade__in=["A", "B", "C", "D", "E"]),
                                   name="inspections_report_grade_valid"),
        ]

    def __str__(self):
        return f"Report r{self.revision} of {self.listing} (grade {self.grade})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS).first()
            if stored is not None:
                changed = [name for name in self.FROZEN_FIELDS if stored[name] != getattr(self, name)]
                if changed:
                    raise ReportFrozen(f"Published reports are frozen; cannot change {', '.join(changed)}.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inspection_report", args=[self.listing_id])

    def delete(self, *args, **kwargs):
        raise ReportFrozen("Published reports are kept for ever.")

    @property
    def flag_labels(self) -> list[str]:
        return [str(cast(models.Field, self._meta.get_field(name)).verbose_name) for name in
                ("flag_odometer", "flag_vin_mismatch", "flag_accident", "flag_flood", "flag_fire")
                if getattr(self, name)]
