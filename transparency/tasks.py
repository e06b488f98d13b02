"""Signed tree heads: beat publishes one every few minutes (GAVEL_TREE_HEAD_SECONDS), and every close asks for one
on commit (transparency.services.tree_head_publish_on_commit)."""

from celery import shared_task

from transparency import services


@shared_task(bind=True, max_retries=5, default_retry_delay=5)
def tree_head_publish_task(self) -> int:
    try:
        return services.tree_head_publish().tree_size
    except Exception as exc:
        raise self.retry(exc=exc)
