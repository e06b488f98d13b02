from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from core.exceptions import ApplicationError
from core.models import AuditLog


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)


def reason_action(*, name: str, description: str, service, require_reason: bool = False, report=None):
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
                    modeladmin.message_user(request, f"{description}: {done} done.", messages.SUCCESS)
                for line in refused:
                    modeladmin.message_user(request, line, messages.ERROR)
                if not done and not refused:
                    modeladmin.message_user(request, "Nothing to change.", messages.WARNING)
                return None
            if require_reason:
                form.add_error("reason", "A reason is required; it is recorded and shown to the person affected.")
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
    action.short_description = description
    return action


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
    list_display = ["created_at", "object_repr", "content_type", "action", "from_state", "to_state", "actor_repr",
                    "reason"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor_repr", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]
