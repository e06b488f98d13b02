"""The one way to tell a user something: an in-app notification plus (optionally) an email.

The email leaves only once the surrounding transaction commits, so a rolled-back change never
sends mail, and no SMTP round trip ever runs while a row lock is held.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from core.models import Notification

logger = logging.getLogger(__name__)


def _send_email(*, to: str, subject: str, body: str, url: str) -> None:
    text = body
    if url:
        base = settings.GAVEL_SITE_URL.rstrip("/")
        text = f"{body}\n\n{base}{url}"
    try:
        send_mail(subject, text, None, [to])
    except Exception:  # a mail outage must not undo the business change that already committed
        logger.exception("notify: email to user failed (subject %r)", subject)


def notify(*, user, kind: str, title: str, body: str = "", url: str = "", email: bool = True) -> Notification:
    notification = Notification.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url[:500])
    if email and user.email:
        address = user.email
        transaction.on_commit(lambda: _send_email(to=address, subject=title, body=body, url=url))
    return notification
