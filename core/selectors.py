"""What core holds about a person, for their data export (issue 19, "Personal data"; composed by
privacy.selectors.personal_data_export): notifications, how they want them, the browsers push reaches, and the
audit log's entries by them or about them. Only named fields: never a secret (a push subscription's keys)."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q

from core.models import AuditLog, Notification, NotificationPreference, PushSubscription


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # a file field: its stored name
        return value.name or ""
    return value


def record(obj, fields: Iterable[str]) -> dict:
    """`obj`'s named fields as JSON values (times ISO 8601, foreign keys their id): the one shape of every row of a
    person's data export."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def audit_entries_about(*, user, objects: Iterable[Model] = ()) -> list[dict]:
    """Audit rows the user made, and those about the user or about any of `objects` (their dealer profile)."""
    about = Q(content_type=ContentType.objects.get_for_model(user), object_id=user.pk)
    for obj in objects:
        about |= Q(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    rows = AuditLog.objects.filter(Q(actor=user) | about).select_related("content_type").order_by("created_at", "id")
    return [{**record(row, ("id", "created_at", "object_id", "object_repr", "action", "field", "from_state",
                            "to_state", "reason", "data")),
             "object_type": f"{row.content_type.app_label}.{row.content_type.model}",
             "by_you": row.actor_id == user.pk} for row in rows]


def personal_data(*, user, audit_objects: Iterable[Model] = ()) -> dict:
    return {
        "notifications": [record(n, ("id", "kind", "title", "body", "url", "read_at", "created_at"))
                          for n in Notification.objects.filter(user=user).order_by("created_at", "id")],
        "notification_preferences": [record(p, ("kind", "in_app", "email", "push"))
                                     for p in NotificationPreference.objects.filter(user=user).order_by("kind")],
        "push_subscriptions": [{"endpoint_host": s.endpoint.split("/")[2] if s.endpoint.count("/") >= 2 else "",
                                "created_at": _plain(s.created_at)}
                               for s in PushSubscription.objects.filter(user=user).order_by("created_at")],
        "audit_entries": audit_entries_about(user=user, objects=audit_objects),
    }
