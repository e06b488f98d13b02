"""Webhook deliveries. Every task takes ids, calls a service, and is safe to run twice (acks_late is on)."""

from celery import shared_task

from integrations import services


@shared_task
def webhook_delivery_attempt_task(*, delivery_id: int) -> None:
    """One try; the next one is queued with its countdown (or left to the sweeper when it is hours away)."""
    delay = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if delay is not None:
        webhook_delivery_attempt_task.apply_async(kwargs={"delivery_id": delivery_id}, countdown=delay)


@shared_task
def webhook_deliveries_due_task() -> int:
    return services.webhook_deliveries_due()
