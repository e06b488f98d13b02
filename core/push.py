"""Web push: a notification sent to every browser the user turned push on for (the installed site on a phone
tells a dealer they were outbid without an app store). pywebpush encrypts each message for the subscription's keys
and signs the request with our VAPID key; a subscription the push service says is gone (404, 410) is removed."""

import json
import logging

from django.conf import settings
from pywebpush import WebPushException, webpush

from core.models import Notification, PushSubscription

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 5


def push_enabled() -> bool:
    return bool(settings.GAVEL_VAPID_PRIVATE_KEY)


def push_send(*, notification_id: int) -> int:
    """Push the notification to each of its user's subscriptions; returns how many push services accepted it."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or not push_enabled():
        return 0
    payload = json.dumps(
        {
            "title": notification.title,
            "body": notification.body,
            "url": notification.url,
            "kind": notification.kind,
            "id": notification.pk,
        }
    )
    accepted = 0
    for subscription in PushSubscription.objects.filter(user_id=notification.user_id):
        try:
            webpush(
                {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}},
                data=payload,
                vapid_private_key=settings.GAVEL_VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.GAVEL_VAPID_SUBJECT},
                timeout=PUSH_TIMEOUT_SECONDS,
                ttl=3600,
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):
                subscription.delete()  # the browser unsubscribed or the subscription expired
            else:
                logger.warning("push: %s refused notification %s: %s", subscription.endpoint[:60], notification_id, exc)
            continue
        except Exception:  # an unreachable push service must not stop the others (nor the business change)
            logger.warning(
                "push: %s unreachable for notification %s", subscription.endpoint[:60], notification_id, exc_info=True
            )
            continue
        accepted += 1
    return accepted
