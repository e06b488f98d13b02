"""The one way to tell a user something: an in-app notification plus (optionally) an email.

The row is written with the business change (same transaction). The email leaves only once that
transaction commits, through a Celery task, so a rolled-back change never sends mail and no SMTP
round trip ever runs inside a request or while a row lock is held. `GAVEL_NOTIFY_ASYNC = False`
(the test suite) sends in-process instead.

Each outcome is told once: a state change passes an `event_key` naming the event ("auction:12:sold"), and
the database keeps one notification per (user, event_key). Code that runs twice — a retried task, a
redelivered message, two workers racing — finds the row already there, writes nothing and sends no email.
"""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from celery import Task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.events import publish_on_commit, user_group
from core.i18n import Translatable, in_language_of, render
from core.models import Notification, NotificationPreference
from core.push import push_enabled, push_send

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)


def notification_email_send(*, notification_id: int) -> None:
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return
    text = notification.body
    if notification.url:
        text = f"{text}\n\n{settings.GAVEL_SITE_URL.rstrip('/')}{notification.url}"
    try:
        send_mail(notification.title, text, None, [notification.user.email])
    except Exception:  # a mail outage must not undo the business change that already committed
        logger.exception("notify: email for notification %s failed", notification_id)
        if settings.GAVEL_NOTIFY_ASYNC:
            raise  # the task retries


def _after_commit(func, **kwargs) -> None:
    """Run a Celery task after commit (or the function itself, in-process, when not async).

    The change that asked for it has committed by then, so an unreachable queue (Redis down) must not fail the
    request that made it (a bid would answer 500 after it was taken): an in-app notification is written
    in-process instead; an email that cannot be queued is logged at ERROR and not sent (an SMTP round trip has
    no place in a request)."""
    def run():
        if not settings.GAVEL_NOTIFY_ASYNC:
            func(**kwargs)
            return
        from core import tasks  # core.tasks imports this module

        task_for: dict[Callable[..., object], Task[..., object]] = {
            notification_email_send: tasks.notification_email_send_task, notify_user_id: tasks.notify_user_id_task,
            push_send: tasks.push_send_task}
        task = task_for[func]
        try:
            task.delay(**kwargs)
        except Exception as exc:  # the broker is away; what committed stays committed
            if func in (notification_email_send, push_send):
                logger.error("notify: queue unavailable, %s for notification %s not sent: %s",
                             "email" if func is notification_email_send else "web push", kwargs["notification_id"], exc)
            else:
                logger.warning("notify: queue unavailable, %s runs in-process: %s", func.__name__, exc)
                func(**kwargs)

    transaction.on_commit(run)


def notification_frame(notification: Notification) -> dict:
    return {"type": "notification", "id": notification.pk, "kind": notification.kind, "title": notification.title,
            "body": notification.body, "url": notification.url}


# The kinds each role may tune on the preferences page (a kind not listed here is always told every way).
_DEALER_KINDS: "list[tuple[str, StrOrPromise]]" = [
    ("outbid", gettext_lazy("Someone outbid you")),
    ("auction_won", gettext_lazy("You won an auction")),
    ("saved_search_match", gettext_lazy("A new auction matches a saved search")),
    ("sale_invoice", gettext_lazy("Your invoice is ready")),
    ("sale_paid", gettext_lazy("A payment of yours arrived")),
    ("sale_overdue", gettext_lazy("A payment is overdue")),
    ("sale_collection_overdue", gettext_lazy("A collection is overdue")),
    ("second_chance_offer", gettext_lazy("A second-chance offer")),
    ("counter_offer", gettext_lazy("A seller's counter-offer")),
    ("collection_changed", gettext_lazy("Collection arrangements changed")),
    ("dispute_resolved", gettext_lazy("A dispute was resolved")),
    ("webhook_endpoint_disabled", gettext_lazy("A webhook endpoint was switched off")),
]
_SELLER_KINDS: "list[tuple[str, StrOrPromise]]" = [
    ("inspection_booked", gettext_lazy("Your inspection is booked")),
    ("inspection_changed", gettext_lazy("Your inspection changed")),
    ("auction_sold", gettext_lazy("Your car is sold")),
    ("auction_no_bids", gettext_lazy("No bids on your car")),
    ("seller_consent_needed", gettext_lazy("A decision is needed from you")),
    ("sale_paid", gettext_lazy("The buyer paid")),
    ("handover_confirm_needed", gettext_lazy("Confirm the handover")),
    ("payout_sent", gettext_lazy("You have been paid")),
    ("dispute_opened", gettext_lazy("A dispute was opened")),
]
PREFERENCE_KINDS: "dict[str, list[tuple[str, StrOrPromise]]]" = {
    "dealer": _DEALER_KINDS, "seller": _SELLER_KINDS,
    "inspector": [("inspection_changed", gettext_lazy("An inspection changed"))],
    "staff": [("dispute_opened", gettext_lazy("A dispute was opened")),
              ("sale_collection_overdue", gettext_lazy("A dealer has not collected a paid car"))],
}


def notification_preferences_get(*, user) -> list[dict]:
    """The user's role's kinds, each with how it is told now (defaults: every way on)."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for kind, label in PREFERENCE_KINDS.get(user.role, []):
        pref = saved.get(kind)
        rows.append({"kind": kind, "label": label, "in_app": pref.in_app if pref else True,
                     "email": pref.email if pref else True, "push": pref.push if pref else True})
    return rows


def notification_preferences_set(*, user, choices: dict[str, dict[str, bool]]) -> None:
    """Store `choices` ({kind: {"in_app": …, "email": …, "push": …}}) for the kinds of the user's role; others
    ignored."""
    allowed = {kind for kind, _ in PREFERENCE_KINDS.get(user.role, [])}
    with transaction.atomic():
        for kind, ways in choices.items():
            if kind in allowed:
                NotificationPreference.objects.update_or_create(
                    user=user, kind=kind,
                    defaults={"in_app": bool(ways.get("in_app")), "email": bool(ways.get("email")),
                              "push": bool(ways.get("push"))})


def notify(*, user, kind: str, title: str | Translatable, body: str | Translatable = "", url: str = "",
           email: bool = True, event_key: str | None = None) -> Notification | None:
    """Tell `user`. With an `event_key`, at most once per user and key: a repeat returns None, sends nothing.
    The user's preference for `kind` may turn the email or the in-app alert off (the row is kept, read).
    The title and body are written in the user's language (core.i18n: a translatable is translated here)."""
    with in_language_of(user):
        title, body = render(title), render(body)
    fields = {"user": user, "kind": kind, "title": title[:200], "body": body, "url": url[:500]}
    preference = NotificationPreference.objects.filter(user=user, kind=kind).values_list(
        "in_app", "email", "push").first()
    in_app, email_wanted, push_wanted = preference or (True, True, True)
    email = email and email_wanted
    if not in_app:
        fields["read_at"] = timezone.now()
    if event_key:
        event_key = event_key[:200]
        if Notification.objects.filter(user=user, event_key=event_key).exists():
            return None
        try:
            with transaction.atomic():  # a savepoint: a racing twin's row must not break the caller's transaction
                notification = Notification.objects.create(**fields, event_key=event_key)
        except IntegrityError:
            return None
    else:
        notification = Notification.objects.create(**fields)
    # The user's open pages hear of it at once (the bell, an outbid banner), once the change commits.
    if in_app:
        publish_on_commit([(user_group(user.pk), notification_frame(notification))])
    if email and user.email:
        _after_commit(notification_email_send, notification_id=notification.pk)
    if push_wanted and push_enabled():
        _after_commit(push_send, notification_id=notification.pk)
    return notification


def notify_user_id(*, user_id: int, kind: str, title: str | Translatable,
                   body: str | Translatable = "", url: str = "", email: bool = True,
                   event_key: str | None = None) -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        notify(user=user, kind=kind, title=title, body=body, url=url, email=email, event_key=event_key)


def notify_many(*, user_ids, kind: str, title: str | Translatable,
                body: str | Translatable = "", url: str = "", email: bool = True,
                event_key: str | None = None) -> None:
    """`notify` each of `user_ids` (in that order; one query for the users), each at most once per `event_key`."""
    ids = list(dict.fromkeys(user_ids))
    users = get_user_model().objects.in_bulk(ids)
    for user_id in ids:
        if user_id in users:
            notify(user=users[user_id], kind=kind, title=title, body=body, url=url, email=email, event_key=event_key)


def notify_later(*, user_id: int, kind: str, title: str | Translatable,
                 body: str | Translatable = "", url: str = "", email: bool = True,
                 event_key: str | None = None) -> None:
    """Notify after the current transaction commits, off the request path: for hot paths (a bid)."""
    _after_commit(notify_user_id, user_id=user_id, kind=kind, title=title, body=body, url=url, email=email,
                  event_key=event_key)


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; returns how many changed. Another user's id
    changes nothing."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
