"""What core erases when an account closes (issue 19; composed by privacy.services.account_close): the person's
notifications, notification settings and push subscriptions, and their email in the audit log's copies
(`object_repr`, `actor_repr`), rewritten to the pseudonym. The audit rows themselves stay: they reference ids only
(actor, object). Signing out everywhere (`sessions_end`) is here too: sessions are core's."""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from core.models import AuditLog, Notification, NotificationPreference, PushSubscription
from core.sweeps import delete_in_batches


def sessions_end(*, user_id: int) -> int:
    """Sign the user out everywhere: delete every database session that carries their id (Django keeps it inside
    the session data, so each is decoded). How many."""
    ended = [s.session_key for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
             if str(s.get_decoded().get("_auth_user_id", "")) == str(user_id)]
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


def audit_pseudonymise(*, user, pseudonym: str, objects: Iterable[Model] = ()) -> int:
    """Rewrite the audit log's copies of the user's name or email to `pseudonym` ("Closed account #<id>"): as the
    actor of their rows, and as the object of rows about them or about `objects`. The one update the audit log's
    trigger lets through besides SET NULL (core migration 0006). How many rows."""
    table = AuditLog._meta.db_table
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_repr = %s WHERE actor_id = %s AND actor_repr <> %s",  # noqa: S608
                       [pseudonym, user.pk, pseudonym])
        changed += cursor.rowcount
        for obj in (user, *objects):
            content_type = ContentType.objects.get_for_model(obj)
            cursor.execute(f"UPDATE {table} SET object_repr = %s "  # noqa: S608
                           "WHERE content_type_id = %s AND object_id = %s AND object_repr <> %s",
                           [pseudonym, content_type.pk, obj.pk, pseudonym])
            changed += cursor.rowcount
    return changed


def personal_data_erase(*, user, pseudonym: str, audit_objects: Iterable[Model] = ()) -> dict:
    """Everything core holds about the person, gone or pseudonymised; how many of each."""
    return {
        "notifications": Notification.objects.filter(user=user).delete()[0],
        "notification_preferences": NotificationPreference.objects.filter(user=user).delete()[0],
        "push_subscriptions": PushSubscription.objects.filter(user=user).delete()[0],
        "audit_rows_pseudonymised": audit_pseudonymise(user=user, pseudonym=pseudonym, objects=audit_objects),
    }


def retention_notifications_delete(*, older_than) -> int:
    """Notifications created before `older_than` (config GAVEL_RETENTION_NOTIFICATIONS_DAYS). How many."""
    return delete_in_batches(Notification.objects.filter(created_at__lt=older_than))
