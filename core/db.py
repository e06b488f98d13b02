"""A hot path without Django's per-request connection health check, and still safe when the connection died.

With CONN_HEALTH_CHECKS, the first query of each request on a persistent connection is preceded by a `SELECT 1`:
a whole round trip, on every bid. `reconnecting` skips that check for the work it wraps and handles the case it
exists for itself: when the wrapped transaction's first statement finds the connection dead (PostgreSQL restarted,
a proxy or firewall dropped it, the pool handed out a stale one), nothing reached the database — a dead connection
has no session — so the transaction is run again, once, on a new connection. A failure anywhere after the first
statement (the commit included, whose outcome is then unknown) is raised as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ConnectionLost(Exception):
    """The wrapped transaction's first statement found the connection dead; nothing was done."""


def _broken() -> bool:
    raw = connection.connection
    return raw is None or bool(getattr(raw, "broken", False)) or bool(getattr(raw, "closed", False))


def first_statement(sql: str, params: Sequence[Any]) -> Any:
    """Run the first statement of a `reconnecting` transaction and return its first row (None without one)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    except (OperationalError, InterfaceError) as exc:
        if _broken():
            raise ConnectionLost() from exc
        raise


def reconnecting(work: Callable[[], T]) -> T:
    """Run `work` — an outermost transaction whose first statement goes through `first_statement` — without the
    health check, again on a new connection if that statement found the connection dead. Inside a caller's
    transaction there is nothing to retry: `work` runs as it is (the caller's first query did the check)."""
    try:
        if connection.in_atomic_block:
            return work()
        # This work finds a dead connection itself (Django's attribute, which django-stubs leave out).
        connection.health_check_done = True  # type: ignore[attr-defined]
        try:
            return work()
        except ConnectionLost:
            logger.info("database connection found dead on the first statement; retrying on a new one")
            connection.close()
            return work()
    except ConnectionLost as exc:  # inside a caller's transaction, or dead twice: the database's own error
        assert exc.__cause__ is not None  # first_statement raises it from the error
        raise exc.__cause__ from None
