"""The dealer's webhooks page: endpoints, the delivery log, redeliver. Thin: every write is a service call."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from accounts.models import User
from core.exceptions import ApplicationError, PermissionRefused
from integrations import selectors, services
from integrations.models import EventType

DELIVERIES_SHOWN = 50


class _DealerOnly(LoginRequiredMixin):
    """A dealer organisation's owner (or a dealer on their own): `owner` is the account whose webhooks these are."""

    owner: User

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            try:
                self.owner = services.webhook_owner_for(request.user)
            except PermissionRefused as exc:
                raise PermissionDenied(exc.message) from None
        return super().dispatch(request, *args, **kwargs)


class WebhooksView(_DealerOnly, TemplateView):
    template_name = "integrations/webhooks.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "event_types": EventType.choices,
            "endpoints": selectors.webhook_endpoint_list(owner=self.owner),
            "deliveries": selectors.webhook_delivery_list(owner=self.owner)[:DELIVERIES_SHOWN],
            "form": kwargs.get("form", {}),
            "errors": kwargs.get("errors", {}),
        }

    def post(self, request):
        form = {
            "url": request.POST.get("url", "").strip(),
            "events": request.POST.getlist("events"),
            "description": request.POST.get("description", "").strip(),
        }
        try:
            endpoint = services.webhook_endpoint_create(owner=self.owner, **form)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(form=form, errors=exc.fields), status=400)
        messages.success(request, _("Endpoint added. Its signing secret, shown this once: %(secret)s")
                         % {"secret": endpoint.secret})
        return redirect("integrations:webhooks")


class _Action(_DealerOnly, View):
    def post(self, request, **kwargs):
        [pk] = kwargs.values()  # each route carries one id: the endpoint's or the delivery's
        try:
            self.act(request, pk)
        except services.EndpointNotFound:  # DeliveryNotFound too: someone else's, or gone
            raise Http404() from None
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("integrations:webhooks")

    def act(self, request, pk: int) -> None:
        raise NotImplementedError


class WebhookDeleteView(_Action):
    def act(self, request, pk: int) -> None:
        services.webhook_endpoint_delete(owner=self.owner, endpoint_id=pk)
        messages.success(request, _("Endpoint removed."))


class WebhookEnableView(_Action):
    def act(self, request, pk: int) -> None:
        services.webhook_endpoint_enable(owner=self.owner, endpoint_id=pk)
        messages.success(request, _("Endpoint switched back on."))


class WebhookRedeliverView(_Action):
    def act(self, request, pk: int) -> None:
        services.webhook_redeliver(owner=self.owner, delivery_id=pk)
        messages.success(request, _("Sent again, with the same event id."))
