from celery import shared_task

from accounts import organisations, security


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def invitation_email_send_task(*, invitation_id: int, token: str) -> None:
    organisations.invitation_email_send(invitation_id=invitation_id, token=token)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def email_verification_send_task(*, user_id: int) -> None:
    security.email_verification_send(user_id=user_id)
