from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from core.admin import ReadOnlyAdminMixin, reason_action
from core.exceptions import ApplicationError
from core.media import url_for
from inspections import services
from inspections.models import Inspection, InspectionPhoto, InspectionReport


class AssignInspectorForm(forms.Form):
    inspector = forms.ModelChoiceField(
        queryset=User.objects.filter(role=User.Role.INSPECTOR, is_active=True).order_by("region", "full_name"),
        label=gettext_lazy("Inspector"),
    )


@admin.action(description=gettext_lazy("Assign an inspector"))
def assign_inspector(modeladmin, request, queryset):
    """Intermediate page: pick an inspector, then inspection_assign() for each selected inspection."""
    if "apply" in request.POST:
        form = AssignInspectorForm(request.POST)
        if form.is_valid():
            done = 0
            for inspection in queryset:
                try:
                    services.inspection_assign(inspection=inspection, inspector=form.cleaned_data["inspector"],
                                               actor=request.user)
                    done += 1
                except ApplicationError as exc:
                    modeladmin.message_user(request, f"{inspection}: {exc.message}", messages.ERROR)
            if done:
                text = ngettext("Assigned %(count)s inspection to %(inspector)s.",
                                "Assigned %(count)s inspections to %(inspector)s.", done)
                modeladmin.message_user(request, text % {"count": done, "inspector": form.cleaned_data["inspector"]},
                                        messages.SUCCESS)
            return None
    else:
        form = AssignInspectorForm()
    return TemplateResponse(request, "admin/inspections_assign.html", {
        **modeladmin.admin_site.each_context(request), "title": _("Assign an inspector"), "objects": queryset,
        "form": form, "opts": modeladmin.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    })


def _approve(*, obj, actor, reason):
    return services.inspection_listing_approve(inspection=obj, actor=actor, reason=reason)


def _reject(*, obj, actor, reason):
    return services.inspection_listing_reject(inspection=obj, actor=actor, reason=reason)


def _reopen(*, obj, actor, reason):
    return services.inspection_reopen(inspection=obj, actor=actor, reason=reason)


class FlagsFilter(admin.SimpleListFilter):
    title = gettext_lazy("flags")
    parameter_name = "flag"
    FLAGS = (("any", gettext_lazy("Any flag")), ("odometer", gettext_lazy("Odometer differs")),
             ("vin_mismatch", gettext_lazy("VIN mismatch")), ("accident", gettext_lazy("Accident indicator")),
             ("flood", gettext_lazy("Flood indicator")), ("fire", gettext_lazy("Fire indicator")))

    def lookups(self, request, model_admin):
        return self.FLAGS

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        field = "has_flags" if value == "any" else f"flag_{value}"
        if value not in dict(self.FLAGS):
            return queryset
        prefix = "" if queryset.model is InspectionReport else "reports__"
        return queryset.filter(**{f"{prefix}{field}": True, f"{prefix}is_current": True}).distinct()


class InspectionReportInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InspectionReport
    extra = 0
    fields = readonly_fields = ("revision", "grade", "score", "fingerprint", "flag_list", "published_at",
                                "is_current", "superseded_at", "link")
    ordering = ["-revision"]

    @admin.display(description=gettext_lazy("Flags"))
    def flag_list(self, report):
        return ", ".join(report.flag_labels) or "—"

    @admin.display(description=gettext_lazy("Report"))
    def link(self, report):
        url = reverse("inspection_report", kwargs={"listing_id": report.listing_id}) + f"?revision={report.revision}"
        return format_html('<a href="{}">{}</a>', url, _("view"))


class InspectionPhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InspectionPhoto
    extra = 0
    fields = readonly_fields = ("preview", "target", "sha256", "detached_at", "created_at")

    @admin.display(description=gettext_lazy("Photo"))
    def preview(self, photo):
        # The image is the link's only content: its alt text names where the link goes.
        return format_html('<a href="{}"><img src="{}" alt="{}" width="96"></a>', url_for(photo.large),
                           url_for(photo.thumb), _("Photo of %(target)s, full size") % {"target": photo.target})


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Inspectors write reports through their pages; staff act here only through the actions (services,
    audited). Nothing on this page edits a report."""

    list_display = ["__str__", "status", "inspector", "region", "scheduled_at", "grade", "flags", "created_at"]
    list_filter = ["status", "inspector", FlagsFilter, "region"]
    search_fields = ["listing__vin", "listing__registration_plate", "listing__seller__email", "inspector__email"]
    list_select_related = ["listing", "inspector"]
    date_hierarchy = "created_at"
    inlines = [InspectionReportInline, InspectionPhotoInline]
    # reason_action types `description` as str; it shows the lazy text at request time, in the reader's language.
    actions = [
        assign_inspector,
        reason_action(name="approve_for_auction", description=cast(str, gettext_lazy("Approve the car for auction")),
                      service=_approve),
        reason_action(name="reject_listing",
                      description=cast(str, gettext_lazy("Reject the listing (reason shown to the seller)")),
                      service=_reject, require_reason=True),
        reason_action(name="open_correction", description=cast(str, gettext_lazy("Open a correction (new revision)")),
                      service=_reopen,
                      require_reason=True),
    ]
    fields = ["listing", "status", "inspector", "region", "scheduled_at", "place", "checklist_version",
              "cancel_reason", "created_at", "started_at", "submitted_at", "published_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("reports")

    def _current(self, inspection):
        return next((r for r in inspection.reports.all() if r.is_current), None)

    @admin.display(description=gettext_lazy("Grade"))
    def grade(self, inspection):
        report = self._current(inspection)
        return f"{report.grade} ({report.score})" if report else "—"

    @admin.display(description=gettext_lazy("Flags"))
    def flags(self, inspection):
        report = self._current(inspection)
        return ", ".join(report.flag_labels) if report and report.has_flags else "—"


@admin.register(InspectionReport)
class InspectionReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Published revisions: read-only, for ever (the model refuses changes too)."""

    list_display = ["__str__", "revision", "grade", "score", "has_flags", "is_current", "fingerprint", "published_at"]
    list_filter = ["grade", "is_current", FlagsFilter, "flag_odometer", "flag_vin_mismatch", "flag_accident",
                   "flag_flood", "flag_fire"]
    search_fields = ["listing__vin", "listing__registration_plate", "fingerprint"]
    list_select_related = ["listing"]
    exclude = ["content", "photo_ids"]
    readonly_fields = ["content_pretty"]

    @admin.display(description=gettext_lazy("Content (canonical, fingerprinted)"))
    def content_pretty(self, report):
        import json

        # A wide block scrolls sideways on a phone: focusable, so the keyboard can scroll it too.
        return format_html('<pre tabindex="0" aria-label="{}">{}</pre>', _("Report content"),
                           json.dumps(report.content, indent=2, sort_keys=True, ensure_ascii=False))
