from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from core.media import url_for
from core.models import AuditLog
from core.money import Money

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def money_display(amount_minor, currency: str | None = None, *, signed: bool = False) -> str:
    """An amount for an admin column or read-only field: always money (€12,500.00), never minor units."""
    if amount_minor is None:
        return "—"
    text = Money.of(int(amount_minor), currency or None).format()
    return f"+{text}" if signed and amount_minor > 0 else text


def money_field(name: str, description: StrOrPromise, *, currency_field: str | None = None, signed: bool = False):
    """An admin column / read-only field showing the `*_minor` field `name` as money; staff sort by the amount.

        class SaleAdmin(admin.ModelAdmin):
            hammer_price = money_field("hammer_price_minor", "hammer price", currency_field="currency")
    """

    @admin.display(description=description, ordering=name)
    def display(self, obj):
        currency = getattr(obj, currency_field, None) if currency_field else None
        return money_display(getattr(obj, name), currency, signed=signed)

    return display


def audit_data_display(row: AuditLog) -> str:
    """An audit row's data as lines `key: value`, amounts (keys ending in _minor) as money."""
    if not row.data:
        return "—"
    lines = []
    for key, value in sorted(row.data.items()):
        if key.endswith("_minor") and isinstance(value, int) and not isinstance(value, bool):
            lines.append(f"{key.removesuffix('_minor').replace('_', ' ')}: {money_display(value)}")
        else:
            lines.append(f"{key.replace('_', ' ')}: {json.dumps(value, ensure_ascii=False, default=str)}")
    return "\n".join(lines)


def audit_state_display(row: AuditLog, value: str) -> str:
    """A from/to state; a change of an amount field (e.g. a buying limit) is shown as money."""
    if row.field.endswith("_minor") and value.lstrip("-").isdigit():
        return money_display(int(value))
    return value


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)


def reason_action(*, name: str, description: StrOrPromise, service, require_reason: bool = False, report=None):
    """An admin action that asks for a reason on an intermediate page, then calls
    `service(obj=..., actor=..., reason=...)` for each selected object.

    Refusals (ApplicationError) are reported per object; nothing is half-applied to one object. `report(obj,
    result)` may return a sentence for staff about what the service did (shown per object)."""

    def action(modeladmin, request, queryset):
        if "apply" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid() and (form.cleaned_data["reason"].strip() or not require_reason):
                done, refused = 0, []
                for obj in queryset:
                    try:
                        result = service(obj=obj, actor=request.user, reason=form.cleaned_data["reason"].strip())
                    except ApplicationError as exc:
                        refused.append(f"{obj}: {exc.message}")
                        continue
                    if getattr(result, "changed", True):
                        done += 1
                    said = report(obj, result) if report is not None else None
                    if said:
                        modeladmin.message_user(request, f"{obj}: {said}", messages.INFO)
                if done:
                    modeladmin.message_user(request, gettext("%(action)s: %(done)s done.") % {
                        "action": description, "done": done}, messages.SUCCESS)
                for line in refused:
                    modeladmin.message_user(request, line, messages.ERROR)
                if not done and not refused:
                    modeladmin.message_user(request, gettext("Nothing to change."), messages.WARNING)
                return None
            if require_reason:
                form.add_error("reason",
                               gettext("A reason is required; it is recorded and shown to the person affected."))
        else:
            form = ReasonForm()
        return TemplateResponse(
            request,
            "admin/gavel_reason_action.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "objects": queryset,
                "form": form,
                "action_name": name,
                "require_reason": require_reason,
                "opts": modeladmin.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    action.__name__ = name
    return admin.action(description=description)(action)


class ReadOnlyAdminMixin:
    """For append-only records: visible to staff, never edited or deleted through admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "object_repr", "content_type", "action", "from_value", "to_value", "actor_repr",
                    "reason"]
    list_filter = ["action", "content_type"]
    ordering = ["-created_at", "-id"]  # newest first: what just happened is what staff look for
    search_fields = ["object_repr", "actor_repr", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]
    fields = ["created_at", "content_type", "object_id", "object_repr", "action", "field", "from_value", "to_value",
              "actor", "actor_repr", "reason", "details"]
    readonly_fields = ["from_value", "to_value", "details"]

    @admin.display(description=_("from"), ordering="from_state")
    def from_value(self, row):
        return audit_state_display(row, row.from_state)

    @admin.display(description=_("to"), ordering="to_state")
    def to_value(self, row):
        return audit_state_display(row, row.to_state)

    @admin.display(description=_("data"))
    def details(self, row):
        return format_html("<pre>{}</pre>", audit_data_display(row))


def document_review_actions(review) -> list:
    """Accept / reject actions for uploaded documents; `review(document=, actor=, accept=, reason=)` is the app's
    service (core.documents.document_review behind a staff check). A rejection needs a reason: the uploader sees it."""

    def accept(*, obj, actor, reason):
        return review(document=obj, actor=actor, accept=True, reason=reason)

    def reject(*, obj, actor, reason):
        return review(document=obj, actor=actor, accept=False, reason=reason)

    return [
        reason_action(name="accept_documents", description=_("Accept selected documents"), service=accept),
        reason_action(name="reject_documents", description=_("Reject selected documents"), service=reject,
                      require_reason=True),
    ]


class ReviewedDocumentAdmin(admin.ModelAdmin):
    """Staff review uploaded documents (core.models.ReviewedDocument): open one through a signed link, then accept
    or reject it with the actions. Nothing here is edited by hand; uploads come from their owners' pages."""

    list_display = ["__str__", "kind", "status", "uploaded_at", "reviewed_at", "view"]
    list_filter = ["status", "kind"]
    readonly_fields = ["view", "kind", "original_filename", "content_type", "size_bytes", "status", "status_reason",
                       "uploaded_at", "reviewed_at", "reviewed_by"]

    @admin.display(description=_("document"))
    def view(self, obj):
        # A signed, expiring link (core.media): the page gives a fresh one each time it is shown.
        return format_html(gettext('<a href="{}" target="_blank" rel="noopener">Open {} ({} KB)</a>'),
                           url_for(obj.file),
                           obj.original_filename or obj.get_kind_display(), max(1, obj.size_bytes // 1024))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
