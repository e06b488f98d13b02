"""Signed webhooks (docs/webhooks.md): where a dealer's system wants to be told, what was told, and each try.

An endpoint belongs to the dealer user who registered it. An event is one thing that happened to that user
(`evt_…` id, type, the resource in the API's shape), written once per `event_key`; a delivery is that event on
its way to one endpoint, and every try of it is an attempt row (the delivery log). A delivery's state follows
from its timestamps (delivered, abandoned, or waiting for `next_attempt_at`), so no status field moves here."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    SAVED_SEARCH_MATCHED = "saved_search.matched", _("A new auction matches a saved search")
    AUCTION_OUTBID = "auction.outbid", _("Outbid")
    AUCTION_WON = "auction.won", _("Won")
    AUCTION_LOST = "auction.lost", _("Lost")
    SALE_STATUS_CHANGED = "sale.status_changed", _("Sale status changed")
    INVOICE_ISSUED = "invoice.issued", _("Invoice issued")
    PAYOUT_SENT = "payout.sent", _("Payout sent")


def endpoint_secret_new() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def event_id_new() -> str:
    return f"evt_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text=_("The event types this endpoint receives."))
    secret = models.CharField(
        max_length=80,
        default=endpoint_secret_new,
        editable=False,
        help_text=_("Signs every delivery (HMAC-SHA256). Shown to the owner once."),
    )
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    failing_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("The first failed try since the last success; a whole retry window of "
        "failures disables the endpoint."),
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.owner_id}: {self.url}"

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None


class WebhookEvent(models.Model):
    event_id = models.CharField(max_length=40, unique=True, default=event_id_new, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(max_length=40, choices=EventType.choices)
    data = models.JSONField(help_text=_("The resource, in the same shape as the API gives it to the owner."))
    event_key = models.CharField(max_length=200, help_text=_("What happened (auction:12:sold): one event per owner."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "event_key"], name="integrations_event_once")]

    def __str__(self):
        return f"{self.event_id} {self.type}"


class WebhookDelivery(models.Model):
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["endpoint", "-id"]),
            models.Index(
                fields=["next_attempt_at"],
                name="integrations_delivery_due",
                condition=models.Q(delivered_at__isnull=True, abandoned_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"delivery {self.pk} of {self.event_id}"

    @property
    def outcome(self) -> str:
        """delivered, abandoned (the retry window ran out, or the endpoint was disabled) or pending."""
        if self.delivered_at is not None:
            return "delivered"
        if self.abandoned_at is not None:
            return "abandoned"
        return "pending"


class WebhookAttempt(models.Model):
    """One try of a delivery: the log line the owner reads."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=300, blank=True)
    succeeded = models.BooleanField()

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="integrations_attempt_once")]

    def __str__(self):
        return f"attempt {self.number} of delivery {self.delivery_id}"
