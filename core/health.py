"""Reachability checks of the parts Gavel runs on, for /healthz and `make run`."""

import logging

import redis
from celery import current_app
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def database_up() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception as exc:  # any driver error means "down", and is logged
        logger.warning("health: database down: %s", exc)
        connections["default"].close_if_unusable_or_obsolete()
        return False


def redis_up(url: str | None = None) -> bool:
    try:
        client = redis.Redis.from_url(url or settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError as exc:
        logger.warning("health: redis down: %s", exc)
        return False


def celery_up(timeout: float = 1.0) -> bool:
    try:
        replies = current_app.control.ping(timeout=timeout)
    except Exception as exc:  # broker unreachable
        logger.warning("health: celery ping failed: %s", exc)
        return False
    return bool(replies)
