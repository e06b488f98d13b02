"""Settlement tasks: take ids, call a service, retry. Every one is safe to run twice (acks_late is on)."""

import logging

from celery import shared_task

from payments import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=2, default_retry_delay=30)
def payout_release_task(self, sale_id: int) -> None:
    """Exactly-once in effect: a retry (or a redelivery after the worker died) resumes the recorded intent.
    Two quick retries here; after that the beat sweep retries up to GAVEL_PAYOUT_MAX_ATTEMPTS, then staff."""
    try:
        services.payout_release(sale_id=sale_id)
    except Exception as exc:
        logger.warning("payout for sale %s failed (attempt %s): %s", sale_id, self.request.retries + 1, exc)
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2 ** self.request.retries))


@shared_task
def payouts_release_pending_task() -> int:
    """Safety net: queue a release for every handed-over sale whose payout is not sent yet."""
    ids = services.payouts_due_ids()
    for sale_id in ids:
        payout_release_task.delay(sale_id)
    return len(ids)


@shared_task
def sales_mark_overdue_task() -> int:
    return services.sales_mark_overdue()


@shared_task
def second_chance_expire_task() -> int:
    return services.second_chance_expire_due()


@shared_task
def second_chance_consents_expire_task() -> int:
    return services.second_chance_consents_expire_due()


@shared_task
def sales_complete_due_task() -> int:
    return services.sales_complete_due()
