"""Publishing: committed auction events, sale changes and new notifications go out to the channel layer.

Nothing here runs inside a transaction: `auction_event` is sent on commit by the auction services, and a
notification is pushed from `transaction.on_commit`. A Redis outage never breaks the change that caused the
event: the publish is logged and dropped, and clients resync from the REST API when their socket comes back
(the consumers' watchdog closes sockets whose feed broke, so nobody keeps a silently stale screen).
"""

import asyncio
import logging
import os
import threading
import time

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from auctions.models import Auction
from auctions.signals import auction_event
from core.models import Notification
from live.groups import DASHBOARD, auction_group, sale_group, user_group
from payments.models import Sale
from payments.signals import sale_changed

logger = logging.getLogger(__name__)

# What a dashboard card needs; the auction page also gets `new_bids` (labels and amounts, never identities).
SUMMARY_FIELDS = ("auction_id", "event_seq", "status", "outcome", "price_minor", "bid_count", "reserve_met",
                  "minimum_next_bid_minor", "ends_at", "leader_label")


def auction_frames(*, kind: str, snapshot: dict) -> tuple[dict, dict]:
    """The auction-page frame and the dashboard summary for one event.

    The snapshot is the dealer-safe public state (auctions.serializers.public_snapshot), so the same frame
    serves every audience of the auction page; seller-only data (reserve, identities once sold) stays behind
    the REST API. `coalesced_from` is the first event this frame covers (see live.consumers.FrameSender)."""
    state = {"type": "state", "kind": kind, **snapshot, "coalesced_from": snapshot["event_seq"]}
    summary = {"type": "summary", "kind": kind, **{key: snapshot[key] for key in SUMMARY_FIELDS},
               "coalesced_from": snapshot["event_seq"]}
    if settings.LIVE_EVENT_TIMESTAMPS:
        # Benchmarks only: when the event left the committed transaction, to measure commit → receipt.
        state["committed_at"] = summary["committed_at"] = time.time()
    return state, summary


class _PublisherLoop:
    """One event loop per process, on its own thread, that every sync publisher hands its sends to.

    `async_to_sync` from a thread without a loop (a WSGI worker, a Celery task, the test client) makes a
    new loop per call, and the channel layer dials Redis afresh for each loop: measured at ~5 ms per event.
    A long-lived loop keeps the layer's connection warm. Re-created after a fork (gunicorn, Celery prefork)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None

    def run(self, coroutine, *, timeout: float):
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop, self._pid = asyncio.new_event_loop(), os.getpid()
                threading.Thread(target=self._loop.run_forever, name="gavel-live-publisher", daemon=True).start()
            loop = self._loop
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise


_publisher = _PublisherLoop()
PUBLISH_TIMEOUT_SECONDS = 3.0


def send_to_groups(messages: list[tuple[str, dict]]) -> bool:
    """group_send each (group, frame), in order; False (logged) when the channel layer is unreachable."""
    layer = get_channel_layer()
    if layer is None:
        return False

    async def send_all():
        for group, frame in messages:
            await layer.group_send(group, {"type": "live.frame", "frame": frame})

    try:
        _publisher.run(send_all(), timeout=PUBLISH_TIMEOUT_SECONDS)
    except Exception:  # Redis down or restarting: the change is committed; clients resync on reconnect
        logger.warning("live: could not publish to %s", [group for group, _ in messages], exc_info=True)
        return False
    return True


@receiver(auction_event, sender=Auction, dispatch_uid="live.publish_auction_event")
def publish_auction_event(sender, auction_id, event_seq, kind, snapshot, **kwargs):
    state, summary = auction_frames(kind=kind, snapshot=snapshot)
    send_to_groups([(auction_group(auction_id), state), (DASHBOARD, summary)])


def sale_frame(*, sale_id: int, kind: str) -> dict:
    """"This sale changed": the page re-reads it over HTTP with the viewer's own session (what each party may see
    differs), so the frame carries no data of the sale."""
    return {"type": "sale", "sale_id": int(sale_id), "kind": kind}


@receiver(sale_changed, sender=Sale, dispatch_uid="live.publish_sale_changed")
def publish_sale_changed(sender, sale_id, kind, **kwargs):
    send_to_groups([(sale_group(sale_id), sale_frame(sale_id=sale_id, kind=kind))])


def notification_frame(notification: Notification) -> dict:
    return {"type": "notification", "id": notification.pk, "kind": notification.kind, "title": notification.title,
            "body": notification.body, "url": notification.url}


@receiver(post_save, sender=Notification, dispatch_uid="live.push_notification")
def push_notification(sender, instance, created, **kwargs):
    """Every new notification (outbid, won, sold…) also reaches the user's open pages at once."""
    if not created:
        return
    user_id, frame = instance.user_id, notification_frame(instance)
    transaction.on_commit(lambda: send_to_groups([(user_group(user_id), frame)]))
