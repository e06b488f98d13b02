"""Live updates: the one way a committed change reaches open pages (WebSockets, through the channel layer).

A service that changed something a page shows calls `publish_on_commit(...)` by name, inside its transaction,
with the frames it wants sent; they leave once the transaction commits, and never for a rolled-back change.
The consumers in `live/` join the groups named here and forward the frames; they write nothing.

A Redis outage never breaks the change that caused the event: the publish is logged and dropped, and clients
resync from the REST API when their socket comes back (the consumers' watchdog closes sockets whose feed broke,
so nobody keeps a silently stale screen).
"""

import asyncio
import logging
import os
import threading
import time
from collections.abc import Coroutine, Sequence
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# Group names: one place, so publishers and consumers cannot drift apart.
DASHBOARD = "dashboard"


def auction_group(auction_id: int) -> str:
    return f"auction.{int(auction_id)}"


def sale_group(sale_id: int) -> str:
    return f"sale.{int(sale_id)}"


def user_group(user_id: int) -> str:
    return f"user.{int(user_id)}"


def user_sockets_group(user_id: int) -> str:
    """Every open socket of one user, whatever it follows (an auction, a sale, the dashboard, their own frames):
    only control frames are sent here (DISCONNECT_FRAME), never data."""
    return f"user-sockets.{int(user_id)}"


# Sent to user_sockets_group: every socket of the user closes (their access was revoked: no page keeps listening).
DISCONNECT_FRAME = {"type": "disconnect"}


def user_sockets_close_on_commit(user_id: int) -> None:
    """Close every open socket of `user_id` once the transaction that revoked their access commits."""
    publish_on_commit([(user_sockets_group(user_id), DISCONNECT_FRAME)])


Message = tuple[str, dict]


class _PublisherLoop:
    """One event loop per process, on its own thread, that every sync publisher hands its sends to.

    `async_to_sync` from a thread without a loop (a WSGI worker, a Celery task, the test client) makes a
    new loop per call, and the channel layer dials Redis afresh for each loop: measured at ~5 ms per event.
    A long-lived loop keeps the layer's connection warm. Re-created after a fork (gunicorn, Celery prefork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None

    def run(self, coroutine: Coroutine[Any, Any, None], *, timeout: float) -> None:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop, self._pid = asyncio.new_event_loop(), os.getpid()
                threading.Thread(target=self._loop.run_forever, name="gavel-live-publisher", daemon=True).start()
            loop = self._loop
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise


_publisher = _PublisherLoop()
PUBLISH_TIMEOUT_SECONDS = 3.0


def send_to_groups(messages: Sequence[Message]) -> bool:
    """group_send each (group, frame), in order, now; False (logged) when the channel layer is unreachable."""
    layer = get_channel_layer()
    if layer is None:
        return False

    async def send_all() -> None:
        for group, frame in messages:
            await layer.group_send(group, {"type": "live.frame", "frame": frame})

    try:
        _publisher.run(send_all(), timeout=PUBLISH_TIMEOUT_SECONDS)
    except Exception:  # Redis down or restarting: the change is committed; clients resync on reconnect
        logger.warning("live: could not publish to %s", [group for group, _ in messages], exc_info=True)
        return False
    return True


def publish_on_commit(messages: Sequence[Message]) -> None:
    """Send each (group, frame) once the surrounding transaction commits. Frames are built by the caller now,
    from what it holds under its locks, so what leaves is what committed."""
    frozen = list(messages)
    if settings.LIVE_EVENT_TIMESTAMPS:
        # Benchmarks only: when the event left the committed transaction, to measure commit → receipt.
        def stamped() -> None:
            now = time.time()
            send_to_groups([(group, {**frame, "committed_at": now}) for group, frame in frozen])

        transaction.on_commit(stamped)
        return
    transaction.on_commit(lambda: send_to_groups(frozen))
