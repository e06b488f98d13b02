from django.db.models import QuerySet

from integrations.models import WebhookDelivery, WebhookEndpoint


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
