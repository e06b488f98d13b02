"""Inspectors' pages under /inspect/ and the report page /cars/<id>/report/. Thin: forms in, services
called, redirects (or htmx fragments) out."""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from core.exceptions import ApplicationError, ValidationFailed
from core.throttling import upload_throttle_message, upload_throttle_wait
from insights.selectors import inspector_records
from inspections import selectors, services
from inspections.checklist import Status
from inspections.forms import DamageForm, ScheduleForm
from inspections.models import Inspection

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class InspectorRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role != User.Role.INSPECTOR:
            raise PermissionDenied(_("This page is for inspectors."))
        return super().dispatch(request, *args, **kwargs)


class QueueView(InspectorRequiredMixin, TemplateView):
    template_name = "inspections/queue.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "queue": selectors.inspection_queue(inspector=self.request.user)}


class InspectionMixin(LoginRequiredMixin):
    """Loads the inspection: its inspector's (staff may look); anyone else gets 404."""

    inspection: Inspection

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        inspection = selectors.inspection_get_for(user=request.user, inspection_id=kwargs["inspection_id"])
        if inspection is None:
            raise Http404(_("No such inspection."))
        self.inspection = inspection
        return super().dispatch(request, *args, **kwargs)

    def work_url(self, anchor: str = "") -> str:
        return reverse("inspections:work", kwargs={"inspection_id": self.inspection.pk}) + (
            f"#{anchor}" if anchor else "")


def _work_context(request, inspection: Inspection, **extra) -> dict:
    context = {
        "inspection": inspection,
        "listing": inspection.listing,
        "is_assigned": inspection.inspector_id == request.user.pk,
        "can_edit": inspection.inspector_id == request.user.pk and inspection.status in (
            Inspection.Status.SCHEDULED, *Inspection.EDITABLE_STATUSES),
        "indicator_fields": [("accident", _("Accident indicators")), ("flood", _("Flood indicators")),
                             ("fire", _("Fire indicators"))],
        "statuses": [(value, Status.LABELS[value]) for value in Status.ALL],
        "schedule_form": extra.pop("schedule_form", None) or ScheduleForm(initial={
            "scheduled_at": inspection.scheduled_at, "place": inspection.place}),
        "damage_form": extra.pop("damage_form", None) or DamageForm(),
        "current_report": selectors.report_current_for_listing(listing_id=inspection.listing_id),
        **selectors.inspection_draft_view(inspection=inspection),
    }
    context.update(extra)
    return context


class InspectionWorkView(InspectionMixin, View):
    def get(self, request, inspection_id):
        return render(request, "inspections/work.html", _work_context(request, self.inspection))


class _CommandView(InspectionMixin, View):
    success_message: "StrOrPromise" = ""
    anchor = ""

    def run(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def post(self, request, inspection_id, **kwargs):
        try:
            self.run(request, **kwargs)
        except ApplicationError as exc:
            details = [message for messages_ in exc.fields.values() for message in messages_]
            messages.error(request, " ".join([exc.message, *details[:5]]).strip())
        else:
            if self.success_message:
                messages.success(request, self.success_message)
        return redirect(self.work_url(self.anchor))


class ClaimView(InspectorRequiredMixin, View):
    """The open queue's inspections are not the inspector's yet, so they are loaded here directly."""

    def post(self, request, inspection_id):
        inspection = Inspection.objects.filter(pk=inspection_id).first()
        if inspection is None:
            raise Http404(_("No such inspection."))
        try:
            services.inspection_claim(inspection=inspection, inspector=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("inspections:queue")
        messages.success(request, _("It is yours. Book a time and place with the seller."))
        return redirect("inspections:work", inspection_id=inspection.pk)


class ScheduleView(InspectionMixin, View):
    def post(self, request, inspection_id):
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                services.inspection_schedule(inspection=self.inspection, actor=request.user,
                                             scheduled_at=form.cleaned_data["scheduled_at"],
                                             place=form.cleaned_data["place"])
            except ApplicationError as exc:
                from core.api import form_errors_from

                form_errors_from(exc, form)
            else:
                messages.success(request, _("Appointment booked. The seller sees it on their listing."))
                return redirect(self.work_url())
        return render(request, "inspections/work.html",
                      _work_context(request, self.inspection, schedule_form=form), status=400)


class StartView(_CommandView):
    success_message = gettext_lazy("Report started. It saves as you go.")

    def run(self, request):
        services.inspection_start(inspection=self.inspection, actor=request.user)


def _parse_report_post(post) -> tuple[dict, dict]:
    """Form fields -> (items, facts) for inspection_report_save. Names: status__<key>, note__<key>,
    value__<key>, na__<key>, fact__<name>."""
    items: dict[str, dict] = {}
    for name, value in post.items():
        prefix, _sep, key = name.partition("__")
        if not key:
            continue
        if prefix in ("status", "note"):
            items.setdefault(key, {})[prefix] = value
        elif prefix == "value":
            items.setdefault(key, {})["value"] = value
    for key in list(items):
        if post.get(f"na__{key}") and not items[key].get("value"):
            items[key]["status"] = Status.NA
            items[key].pop("value", None)
    facts = {name.partition("__")[2]: value for name, value in post.items() if name.startswith("fact__")}
    return items, facts


def _upload_throttled_page(request, inspection: Inspection, wait: int):
    """Too many uploads from this inspector: the work page again, with the reason, as a 429."""
    messages.error(request, upload_throttle_message(wait))
    response = render(request, "inspections/work.html", _work_context(request, inspection), status=429)
    response["Retry-After"] = str(wait)
    return response


class SaveView(InspectionMixin, View):
    """Saves what the form sends: one row (htmx, on change) or a whole section (a plain submit),
    plus any photos chosen. htmx gets the re-rendered row (or facts block) back."""

    def post(self, request, inspection_id):
        wait = upload_throttle_wait(request)
        if wait is not None:  # nothing of this request is saved: the inspector sends it again in a moment
            if not request.htmx:
                return _upload_throttled_page(request, self.inspection, wait)
            response = self.fragment(request, {}, upload_throttle_message(wait))  # 200: htmx swaps it in
            response["Retry-After"] = str(wait)
            return response
        items, facts = _parse_report_post(request.POST)
        error_fields: dict = {}
        error = ""
        try:
            services.inspection_report_save(inspection=self.inspection, actor=request.user, items=items,
                                            facts=facts)
        except ValidationFailed as exc:
            error_fields, error = exc.fields, exc.message
        except ApplicationError as exc:
            error = exc.message
        if not error:
            for field_name, upload in request.FILES.items():
                key = field_name.partition("__")[2]
                target = "odometer" if key == "odometer" else f"item:{key}"
                try:
                    services.inspection_photo_add(inspection=self.inspection, actor=request.user, target=target,
                                                  upload=upload)
                except ApplicationError as exc:
                    error_fields.setdefault(f"items.{key}" if key != "odometer" else "facts.odometer_photo",
                                            []).extend(exc.fields.get("photo", [exc.message]))
                    error = error or exc.message
        self.inspection.refresh_from_db()
        if request.htmx:
            return self.fragment(request, error_fields, error)
        if error:
            details = [message for messages_ in error_fields.values() for message in messages_]
            messages.error(request, " ".join([error, *details[:5]]).strip())
        else:
            messages.success(request, _("Saved."))
        return redirect(self.work_url(request.POST.get("section", "")))

    def fragment(self, request, error_fields: dict, error: str):
        context = _work_context(request, self.inspection, error_fields=error_fields, error=error, saved=not error)
        row_key = request.POST.get("row", "")
        if row_key == "facts":
            context["fact_errors"] = {k.partition(".")[2]: v for k, v in error_fields.items()
                                      if k.startswith("facts.")}
            # 200 even with errors: htmx swaps only successful responses, and the errors are in the fragment.
            return render(request, "inspections/_facts.html", {**context, "oob_progress": True})
        row = next((row for category in context["categories"] for row in category["rows"]
                    if row["item"].key == row_key), None)
        if row is None:
            raise Http404(_("No such item."))
        return render(request, "inspections/_item_row.html",
                      {**context, "row": row, "row_errors": error_fields.get(f"items.{row_key}", []),
                       "oob_progress": True})


class DamageAddView(InspectionMixin, View):
    def post(self, request, inspection_id):
        wait = upload_throttle_wait(request)
        if wait is not None:
            return _upload_throttled_page(request, self.inspection, wait)
        form = DamageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.inspection_damage_add(inspection=self.inspection, actor=request.user,
                                               panel=form.cleaned_data["panel"], type=form.cleaned_data["type"],
                                               severity=form.cleaned_data["severity"],
                                               note=form.cleaned_data["note"], upload=form.cleaned_data["photo"])
            except ApplicationError as exc:
                for name, errors in exc.fields.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Damage added to the map."))
                return redirect(self.work_url("damage"))
        self.inspection.refresh_from_db()
        return render(request, "inspections/work.html",
                      _work_context(request, self.inspection, damage_form=form), status=400)


class DamageRemoveView(_CommandView):
    success_message = gettext_lazy("Damage entry removed.")
    anchor = "damage"

    def run(self, request, entry_id):
        services.inspection_damage_remove(inspection=self.inspection, actor=request.user, entry_id=entry_id)


class PhotoRemoveView(_CommandView):
    success_message = gettext_lazy("Photo removed.")

    def run(self, request, photo_id):
        services.inspection_photo_remove(inspection=self.inspection, actor=request.user, photo_id=photo_id)


class SubmitView(_CommandView):
    success_message = gettext_lazy("Submitted for your final review. Publish when it is right.")
    anchor = "publish"

    def run(self, request):
        services.inspection_submit(inspection=self.inspection, actor=request.user)


class PublishView(InspectionMixin, View):
    def post(self, request, inspection_id):
        try:
            published = services.inspection_publish(inspection=self.inspection, actor=request.user)
        except ValidationFailed as exc:
            self.inspection.refresh_from_db()
            missing = [message for messages_ in exc.fields.values() for message in messages_]
            return render(request, "inspections/work.html",
                          _work_context(request, self.inspection, publish_error=exc.message, missing=missing),
                          status=400)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(self.work_url())
        messages.success(request, _("Published: grade %(grade)s, score %(score)s. Fingerprint %(fingerprint)s…") % {
            "grade": published.grade, "score": published.score, "fingerprint": published.fingerprint[:12]})
        return redirect("inspection_report", listing_id=published.listing_id)


class ReportView(LoginRequiredMixin, TemplateView):
    """The published report: the seller, staff, verified dealers and the assigned inspector; others 404.
    Staff may open older revisions with ?revision=N."""

    template_name = "inspections/report.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = selectors.report_get_visible(user=self.request.user, listing_id=kwargs["listing_id"],
                                                 revision=self.request.GET.get("revision"))
        if published is None:
            raise Http404(_("No published report."))
        context.update(selectors.report_view(report=published))
        context["listing"] = published.listing
        context["is_staff"] = self.request.user.is_staff_member
        if context["is_staff"]:
            context["revisions"] = list(selectors.report_revisions(report=published))
        inspector_id = published.inspection.inspector_id
        if inspector_id is not None:
            context["inspector_record"] = inspector_records(inspector_ids=[inspector_id])[inspector_id]
        return context
