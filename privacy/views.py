import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.http import AuthenticatedHttpRequest
from core.api import form_errors_from
from core.exceptions import ValidationFailed
from privacy import services
from privacy.forms import AccountCloseForm
from privacy.selectors import personal_data_export, personal_data_filename


def personal_data_response(document: dict, filename: str) -> HttpResponse:
    """The export as a JSON download (pages and admin alike)."""
    response = HttpResponse(json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class PersonalDataView(LoginRequiredMixin, TemplateView):
    """Your data: download everything Gavel holds about you, or close your account."""

    template_name = "privacy/personal_data.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", AccountCloseForm())
        context.setdefault("obstacles", services.account_closure_obstacles(user=self.request.user))
        return context


class PersonalDataExportView(LoginRequiredMixin, View):
    request: AuthenticatedHttpRequest

    def get(self, request):
        return personal_data_response(personal_data_export(user=request.user),
                                      personal_data_filename(user=request.user))


class AccountCloseView(LoginRequiredMixin, View):
    """POST only: the closing form lives on the personal data page, which shows it again with what stands in the
    way (409) or the field errors (400)."""

    request: AuthenticatedHttpRequest
    http_method_names = ["post"]

    def _again(self, request, form, obstacles, status):
        return render(request, PersonalDataView.template_name, {"form": form, "obstacles": obstacles},
                      status=status)

    def post(self, request):
        form = AccountCloseForm(request.POST)
        if not form.is_valid():
            return self._again(request, form, services.account_closure_obstacles(user=request.user), 400)
        try:
            services.account_close(user=request.user, actor=request.user, password=form.cleaned_data["password"])
        except services.AccountNotClosable as exc:
            messages.error(request, _("Your account cannot be closed yet."))
            return self._again(request, form, exc.reasons, 409)
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self._again(request, form, services.account_closure_obstacles(user=request.user), 400)
        logout(request)
        messages.success(request, _("Your account is closed. Your personal data has been erased; what the law "
                                    "requires us to keep refers to your account by number only."))
        return redirect("home")
