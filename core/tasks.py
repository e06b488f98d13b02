from celery import shared_task

from core import notifications, push


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def notification_email_send_task(*, notification_id: int) -> None:
    notifications.notification_email_send(notification_id=notification_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_user_id_task(**kwargs) -> None:
    notifications.notify_user_id(**kwargs)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def push_send_task(*, notification_id: int) -> int:
    return push.push_send(notification_id=notification_id)
