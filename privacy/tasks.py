from celery import shared_task

from privacy import services


@shared_task
def retention_enforce_task() -> dict:
    """Beat, daily (config.settings.celery): what is past its retention period goes."""
    return services.retention_enforce()
