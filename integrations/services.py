"""Webhooks: registering endpoints, emitting events, delivering them (docs/webhooks.md).

An event is emitted by an explicit call from the service that changed the state (`webhook_emit`, next to its
`notify`), once per owner and `event_key`. Each subscribed, enabled endpoint gets a delivery; a Celery task tries
it after commit and again on the retry schedule (`webhook_retry_delays`, exponential, spanning
`GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS`); a delivery that is still failing at the end of the schedule is abandoned,
and an endpoint that has failed without one success for the whole window is disabled and its owner told. A try is
claimed by a compare-and-swap on the attempt counter, so the on-time task and the sweeper never send one try twice,
and no row lock is held while the receiver answers."""

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.capabilities import WEBHOOKS, member_ensure
from accounts.models import User
from accounts.organisations import dealer_acting_for, organisation_recipient_ids
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import Translatable, translatable
from core.models import PushSubscription
from core.notifications import notify_many
from integrations import egress
from integrations.models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.payloads import payload_render
from integrations.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

ENDPOINTS_PER_OWNER = 10
# A try whose time is further away than this is left to the sweeper rather than to a Celery countdown: Redis
# hands a message back after its visibility timeout, and an hours-long countdown would come back early.
COUNTDOWN_MAX_SECONDS = 15 * 60


class EndpointNotFound(ApplicationError):
    code = "not_found"
    status_code = 404

    def default_message(self):
        return _("No such webhook endpoint.")


class DeliveryNotFound(EndpointNotFound):
    def default_message(self):
        return _("No such webhook delivery.")


def webhook_owner_ensure(user) -> None:
    """Webhooks are a dealer organisation's: their systems are told of their bids, wins, sales and saved searches.
    In an organisation only owners manage them (accounts.capabilities)."""
    if not getattr(user, "is_authenticated", False) or user.role != User.Role.DEALER:
        raise PermissionRefused(_("Only dealers register webhooks."))
    member_ensure(user, WEBHOOKS)


def webhook_owner_for(user) -> User:
    """The account whose webhooks `user` manages: their organisation's account (events are the account's: its bids,
    sales and invoices), after the checks of webhook_owner_ensure."""
    webhook_owner_ensure(user)
    return dealer_acting_for(user)


def webhook_retry_delays() -> list[int]:
    """Seconds to wait before the 2nd, 3rd, … try: doubling from the base, the last one cut so that the whole
    schedule spans the retry window exactly."""
    base = settings.GAVEL_WEBHOOK_RETRY_BASE_SECONDS
    window = settings.GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS
    delays: list[int] = []
    while sum(delays) < window:
        delays.append(min(base * 2 ** len(delays), window - sum(delays)))
    return delays


def _events_clean(events) -> list[str]:
    valid = set(EventType.values)
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise ValidationFailed(fields={"events": [_("Choose at least one event.")]})
    unknown = sorted(set(events) - valid)
    if unknown:
        raise ValidationFailed(fields={"events": [_("Unknown event: %(events)s.") % {"events": ", ".join(unknown)}]})
    return sorted(set(events))


def webhook_endpoint_create(*, owner: User, url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    """Register an endpoint. The address must be https (http only with DEBUG) and resolve to a public address."""
    webhook_owner_ensure(owner)
    events = _events_clean(events)
    if not isinstance(url, str) or not url or len(url) > 500:
        raise ValidationFailed(fields={"url": [_("An address of at most 500 characters.")]})
    egress.resolve(url)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=owner.pk).exists()  # the per-owner limit holds under races
        if WebhookEndpoint.objects.filter(owner=owner).count() >= ENDPOINTS_PER_OWNER:
            raise ApplicationError(_("At most %(count)d webhook endpoints.") % {"count": ENDPOINTS_PER_OWNER},
                                   code="too_many_endpoints")
        return WebhookEndpoint.objects.create(owner=owner, url=url, events=events, description=description[:200])


def _own_endpoint(owner: User, endpoint_id) -> WebhookEndpoint:
    webhook_owner_ensure(owner)
    endpoint = WebhookEndpoint.objects.filter(owner=owner, pk=endpoint_id).first()
    if endpoint is None:
        raise EndpointNotFound()
    return endpoint


def webhook_endpoint_delete(*, owner: User, endpoint_id: int) -> None:
    _own_endpoint(owner, endpoint_id).delete()


def webhook_endpoint_enable(*, owner: User, endpoint_id: int) -> WebhookEndpoint:
    """Switch a disabled endpoint back on (its failure clock starts afresh); the address is checked again."""
    endpoint = _own_endpoint(owner, endpoint_id)
    egress.resolve(endpoint.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(disabled_at=None, disabled_reason="", failing_since=None)
    endpoint.refresh_from_db()
    return endpoint


def _deliveries_enqueue_on_commit(delivery_ids: list[int]) -> None:
    """Each delivery's first try, once the event's transaction commits: by a Celery task, or in-process when
    notifications are not asynchronous (the test suite; later tries are then the sweeper's)."""

    def run():
        if not settings.GAVEL_NOTIFY_ASYNC:
            for delivery_id in delivery_ids:
                webhook_delivery_attempt(delivery_id=delivery_id)
            return
        from integrations import tasks  # integrations.tasks imports this module

        for delivery_id in delivery_ids:
            try:
                tasks.webhook_delivery_attempt_task.delay(delivery_id=delivery_id)
            except Exception as exc:  # the broker is away: the sweeper picks the delivery up when it is back
                logger.warning("webhooks: queue unavailable, delivery %s waits for the sweeper: %s", delivery_id, exc)

    transaction.on_commit(run)


def webhook_emit(
    *, user_id: int, event_type: str, resource: str, resource_id: int, event_key: str
) -> WebhookEvent | None:
    """Tell `user_id`'s subscribed endpoints that `event_type` happened to `resource`. Once per owner and
    `event_key` (a repeat returns None). Costs one query when nobody listens."""
    endpoint_ids = list(
        WebhookEndpoint.objects.filter(
            owner_id=user_id, disabled_at__isnull=True, events__contains=[event_type]
        ).values_list("pk", flat=True)
    )
    if not endpoint_ids or WebhookEvent.objects.filter(owner_id=user_id, event_key=event_key[:200]).exists():
        return None
    user = User.objects.get(pk=user_id)
    data = payload_render(resource=resource, resource_id=resource_id, user=user)
    if data is None:
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a racing twin's event must not break the caller's transaction
                event = WebhookEvent.objects.create(
                    owner_id=user_id,
                    type=event_type,
                    event_key=event_key[:200],
                    data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
                )
        except IntegrityError:
            return None
        now = db_now()
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(event=event, endpoint_id=endpoint_id, next_attempt_at=now) for endpoint_id in endpoint_ids]
        )
        _deliveries_enqueue_on_commit([d.pk for d in deliveries])
    return event


def webhook_emit_on_commit(**kwargs) -> None:
    """`webhook_emit` once the caller's transaction commits (for a hot path: a bid)."""
    transaction.on_commit(lambda: webhook_emit(**kwargs))


def webhook_body(event: WebhookEvent) -> bytes:
    """What every try of the event carries, byte for byte."""
    document = {
        "id": event.event_id,
        "type": event.type,
        "time": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True, cls=DjangoJSONEncoder).encode()


def _window_text() -> Translatable:
    seconds = settings.GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS
    if seconds % 3600 == 0:
        return translatable("{hours} hours", hours=seconds // 3600) if seconds != 3600 else translatable("an hour")
    return translatable("{seconds} seconds", seconds=seconds)


def _endpoint_failed(endpoint: WebhookEndpoint, now) -> bool:
    """Record a failed try on the endpoint; True when it has now been failing for the whole window (disabled)."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    window = timedelta(seconds=settings.GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS)
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk,
        disabled_at__isnull=True,
        failing_since__lte=now - window,
    ).update(disabled_at=now, disabled_reason=gettext_noop("Every delivery failed for the whole retry window."))
    if not disabled:
        return False
    WebhookDelivery.objects.filter(endpoint=endpoint, delivered_at__isnull=True, abandoned_at__isnull=True).update(
        abandoned_at=now, next_attempt_at=None
    )
    notify_many(
        user_ids=organisation_recipient_ids(account_id=endpoint.owner_id, kind="webhook_endpoint_disabled"),
        kind="webhook_endpoint_disabled",
        url=reverse("integrations:webhooks"),
        title=translatable("A webhook endpoint was switched off"),
        body=translatable("Every delivery to {url} failed for {window}, so Gavel stopped sending to it. Fix the "
                          "receiver, switch it back on and redeliver what it missed.", url=endpoint.url,
                          window=_window_text()),
        event_key=f"webhook_endpoint:{endpoint.pk}:disabled:{int(now.timestamp())}",
    )
    return True


def webhook_delivery_attempt(*, delivery_id: int) -> int | None:
    """Try the delivery once if a try is due. Returns the seconds until the next try, or None when there is none
    to schedule (delivered, abandoned, not due, or another worker took this try)."""
    delivery = WebhookDelivery.objects.select_related("event", "endpoint__owner").filter(pk=delivery_id).first()
    if delivery is None or delivery.delivered_at is not None or delivery.abandoned_at is not None:
        return None
    now = db_now()
    if delivery.next_attempt_at is None or delivery.next_attempt_at > now + timedelta(seconds=1):
        return None  # claimed by another worker, or an early copy of a later try
    endpoint = delivery.endpoint
    if not endpoint.is_enabled:
        WebhookDelivery.objects.filter(pk=delivery.pk, abandoned_at__isnull=True).update(
            abandoned_at=now, next_attempt_at=None
        )
        return None
    number = delivery.attempts + 1
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, delivered_at__isnull=True, abandoned_at__isnull=True
    ).update(attempts=number, next_attempt_at=None)
    if not claimed:
        return None
    body = webhook_body(delivery.event)
    timestamp = int(time.time())
    headers = {
        SIGNATURE_HEADER: signature_header(secret=endpoint.secret, timestamp=timestamp, body=body),
        EVENT_ID_HEADER: delivery.event.event_id,
        EVENT_TYPE_HEADER: delivery.event.type,
    }
    try:
        response = egress.post(endpoint.url, body=body, headers=headers)
    except egress.EgressRefused as exc:  # the host now resolves somewhere private: a failure like any other
        response = egress.Response(status=None, duration_ms=0, error=exc.message[:300])
    succeeded = response.status is not None and 200 <= response.status < 300
    if response.status is not None and not succeeded:
        error = f"HTTP {response.status}"
    else:
        error = response.error
    now = db_now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            at=now,
            response_code=response.status,
            duration_ms=response.duration_ms,
            error=error,
            succeeded=succeeded,
        )
        if succeeded:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(delivered_at=now)
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
            return None
        if _endpoint_failed(endpoint, now):
            return None
        delays = webhook_retry_delays()
        if number > len(delays):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(abandoned_at=now)
            return None
        delay = delays[number - 1]
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + timedelta(seconds=delay))
    return delay if delay <= COUNTDOWN_MAX_SECONDS else None


def webhook_deliveries_due(*, batch: int = 200) -> int:
    """The sweeper: hand every delivery whose try is due (long delays, or a message the broker lost) to a task."""
    due = list(
        WebhookDelivery.objects.filter(
            delivered_at__isnull=True,
            abandoned_at__isnull=True,
            next_attempt_at__lte=db_now(),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    _deliveries_enqueue_on_commit(due)
    return len(due)


def webhook_redeliver(*, owner: User, delivery_id: int) -> WebhookDelivery:
    """Send the event again to the same endpoint, as a new delivery with the same event id (receivers drop
    duplicates by it)."""
    webhook_owner_ensure(owner)
    original = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id, endpoint__owner=owner).first()
    if original is None:
        raise DeliveryNotFound()
    if not original.endpoint.is_enabled:
        raise ApplicationError(_("Switch the endpoint back on first."), code="endpoint_disabled")
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            event_id=original.event_id, endpoint=original.endpoint, next_attempt_at=db_now(), redelivery_of=original
        )
        _deliveries_enqueue_on_commit([delivery.pk])
    return delivery


def push_subscription_save(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Keep a browser's web-push subscription for `user` (core.push sends to it). The push service's address
    passes the same guard as a webhook's: https, public addresses only."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionRefused()
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1000:
        raise ValidationFailed(fields={"endpoint": [_("The subscription's endpoint (at most 1000 characters).")]})
    egress.resolve(endpoint)
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def push_subscription_delete(*, user: User, endpoint: str) -> None:
    PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()


def personal_data_erase(*, user) -> dict:
    """At an account's closure (privacy.services.account_close): the person's webhook endpoints (their secrets with
    them) and the events made for them, deliveries and tries included, go: nothing is sent for them again."""
    return {"webhook_endpoints": WebhookEndpoint.objects.filter(owner=user).delete()[0],
            "webhook_events": WebhookEvent.objects.filter(owner=user).delete()[0]}
