from django.db.models import QuerySet

from core.selectors import record
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def webhook_endpoint_list(*, owner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(owner=owner).order_by("id")


def webhook_delivery_list(*, owner, endpoint_id: int | None = None) -> QuerySet[WebhookDelivery]:
    """The delivery log, newest first, each with its tries."""
    qs = (
        WebhookDelivery.objects.filter(endpoint__owner=owner)
        .select_related("event", "endpoint")
        .prefetch_related("attempt_log")
    )
    if endpoint_id is not None:
        qs = qs.filter(endpoint_id=endpoint_id)
    return qs.order_by("-id")


def personal_data(*, user) -> dict:
    """The person's webhook endpoints (privacy.selectors.personal_data_export): the address, the events, the state;
    never the signing secret. How many events were made for them."""
    return {
        "webhook_endpoints": [record(e, ("id", "url", "events", "description", "created_at", "failing_since",
                                         "disabled_at", "disabled_reason"))
                              for e in WebhookEndpoint.objects.filter(owner=user).order_by("id")],
        "webhook_events_count": WebhookEvent.objects.filter(owner=user).count(),
    }
