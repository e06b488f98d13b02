"""Staff export a person's data or close their account on that person's request, from the user list in Django
admin: each action asks for the reason first (required), and the export and the closure are each written to the
audit log with the staff member and the reason (privacy.services)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.admin import UserAdmin
from accounts.models import User
from core.admin import ReasonForm, reason_action
from core.exceptions import ApplicationError
from privacy import services
from privacy.views import personal_data_response


def _close(*, obj, actor, reason):
    return services.account_close(user=obj, actor=actor, reason=reason)


def _closed_report(obj, result) -> str:
    return gettext("closed; personal data erased or pseudonymised.")


@admin.action(description=gettext_lazy("Export personal data (on the person's request)"))
def export_personal_data(modeladmin, request, queryset):
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST:
        reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
        if reason:
            try:
                documents = [services.personal_data_export_for_staff(user=user, actor=request.user, reason=reason)
                             for user in queryset.order_by("pk")]
            except ApplicationError as exc:
                modeladmin.message_user(request, exc.message, messages.ERROR)
                return None
            stamp = timezone.localdate().isoformat()
            if len(documents) == 1:
                return personal_data_response(documents[0],
                                              f"gavel-personal-data-{documents[0]['user_id']}-{stamp}.json")
            return personal_data_response({"exports": documents}, f"gavel-personal-data-{stamp}.json")
        form.add_error("reason", gettext("A reason is required; it is recorded in the audit log."))
    return TemplateResponse(request, "admin/gavel_reason_action.html", {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Export personal data"), "objects": queryset, "form": form,
        "action_name": "export_personal_data", "require_reason": True, "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    })


close_accounts = reason_action(name="close_accounts",
                               description=gettext_lazy("Close account (on the person's request)"),
                               service=_close, require_reason=True, report=_closed_report)


class PrivacyUserAdmin(UserAdmin):
    actions = [*UserAdmin.actions, export_personal_data, close_accounts]
    list_filter = [*UserAdmin.list_filter, ("closed_at", admin.EmptyFieldListFilter)]
    readonly_fields = [*UserAdmin.readonly_fields, "closed_at"]
    fieldsets = [*UserAdmin.fieldsets[:-1],
                 (gettext_lazy("Dates"), {"fields": ["last_login", "date_joined", "closed_at"]})]


admin.site.unregister(User)
admin.site.register(User, PrivacyUserAdmin)
