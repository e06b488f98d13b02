"""WebSocket consumers. They only read and forward: every write stays in the HTTP services.

Routes (config/routing.py):
- /ws/auctions/<id>/  one auction's `state` frames, for whoever may see the auction (staff, its seller, dealers
  while it is scheduled, live or closed).
- /ws/dashboard/      `summary` frames of every auction, for dealers and staff (the dashboard cards).
- /ws/sales/<id>/     one sale's `sale` frames ("it changed: re-read it"), for whoever may see the sale page (its
                      buyer, its seller, staff).
- /ws/user/           the signed-in user's own `notification` frames (outbid, won…), on any page.
- anything else       refused at the handshake (UnroutedConsumer), without a login and without a traceback.

Every socket also joins its user's `user_sockets_group`: when their access is revoked (removed from their dealer
organisation: accounts.organisations.member_access_revoke) a disconnect frame there closes each one with 4401, at
once, and the page does not reconnect.

A refused join closes the handshake with 4403 (the browser sees the upgrade rejected). If the channel layer
stops answering (Redis down or restarting), the watchdog closes every socket of this process with 4503: the
page shows "Reconnecting…", comes back with backoff and resyncs from the REST API before showing live data.
"""

import asyncio
import itertools
import json
import logging
import math

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.models import User
from auctions.selectors import auction_get_visible_to
from core.events import DASHBOARD, DISCONNECT_FRAME, auction_group, sale_group, user_group, user_sockets_group
from payments.selectors import sale_get_visible_to

logger = logging.getLogger(__name__)

CLOSE_SIGNED_OUT = 4401
CLOSE_REFUSED = 4403
CLOSE_UNROUTED = 4404
CLOSE_FEED_LOST = 4503


def merge_frames(pending: dict, newer: dict) -> dict:
    """One frame standing for both: the newer full state, covering both ranges of events when they touch.

    Every frame is the full public state, so the newest state wins. The bid history (`new_bids`) is carried
    over only when the two frames' ranges are contiguous; otherwise the merged frame starts at the newer one's
    range and the client, seeing the gap, refetches the history over REST."""
    if newer["event_seq"] < pending["event_seq"]:  # published out of order by two processes: keep the newest
        pending, newer = newer, pending
    if newer["coalesced_from"] != pending["event_seq"] + 1:
        return newer
    merged = {**newer, "coalesced_from": pending["coalesced_from"]}
    if "new_bids" in newer:
        merged["new_bids"] = pending.get("new_bids", []) + newer["new_bids"]
    return merged


class FrameSender:
    """Sends one socket its frames, coalescing per auction: at most one frame per auction every `interval`
    seconds. A frame arriving sooner waits, and a newer frame for the same auction replaces (merges into) the
    waiting one, so the latest state wins and the final state is always delivered. Notifications
    (key None) are never merged or held back."""

    def __init__(self, send, interval: float):
        self.send = send
        self.interval = interval
        self.pending: dict = {}
        self.last_sent: dict = {}
        self.task: asyncio.Task | None = None
        self.loop = asyncio.get_running_loop()
        self._once = itertools.count()

    def push(self, frame: dict) -> None:
        key = frame.get("auction_id")
        if key is None:
            key = ("once", next(self._once))
        elif key in self.pending:
            frame = merge_frames(self.pending[key], frame)
        self.pending[key] = frame
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        while self.pending:
            now = self.loop.time()
            due = [key for key in self.pending if self.last_sent.get(key, -math.inf) + self.interval <= now]
            if not due:
                await asyncio.sleep(min(self.last_sent[key] for key in self.pending) + self.interval - now)
                continue
            for key in due:
                frame = self.pending.pop(key)
                if not isinstance(key, tuple):
                    self.last_sent[key] = self.loop.time()
                await self.send(text_data=json.dumps(frame, separators=(",", ":")))
        if len(self.last_sent) > 256:
            cutoff = self.loop.time() - self.interval
            self.last_sent = {key: at for key, at in self.last_sent.items() if at > cutoff}

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


class LayerWatchdog:
    """One per event loop (uvicorn worker): pings itself through the channel layer every `interval` seconds.
    A ping that fails or does not come back within `timeout` means frames may have been lost (Redis down,
    restarted, or the subscriber connection dropped): every socket of this process is closed so its page
    reconnects and resyncs. Runs only while sockets are open."""

    _instances: dict = {}

    def __init__(self, layer):
        self.layer = layer
        self.consumers: set = set()
        self.task: asyncio.Task | None = None

    @classmethod
    def for_loop(cls, layer) -> "LayerWatchdog":
        loop = asyncio.get_running_loop()
        watchdog = cls._instances.get(loop)
        if watchdog is None or watchdog.layer is not layer:
            watchdog = cls._instances[loop] = cls(layer)
        return watchdog

    def add(self, consumer) -> None:
        self.consumers.add(consumer)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def discard(self, consumer) -> None:
        self.consumers.discard(consumer)

    async def _ping(self, channel: str | None, number: int) -> str:
        if channel is None:
            channel = await self.layer.new_channel("live.watchdog.")
        await self.layer.send(channel, {"type": "ping", "n": number})
        while True:
            message = await asyncio.wait_for(self.layer.receive(channel), settings.LIVE_WATCHDOG_TIMEOUT_SECONDS)
            if message.get("n") == number:
                return channel

    async def _run(self) -> None:
        channel, number = None, 0
        while self.consumers:
            number += 1
            try:
                channel = await self._ping(channel, number)
            except Exception:  # noqa: BLE001  (any failure of the layer means the same: resync everyone)
                channel = None
                lost = list(self.consumers)
                logger.warning("live: channel layer not answering; closing %d socket(s) so they resync", len(lost))
                for consumer in lost:
                    await consumer.feed_lost()
            await asyncio.sleep(settings.LIVE_WATCHDOG_SECONDS)


class LiveConsumer(AsyncWebsocketConsumer):
    """Joins the groups `authorise` returns (None refuses), then forwards their frames through a FrameSender."""

    joined: list[str] = []
    sender: FrameSender | None = None
    watchdog: LayerWatchdog | None = None

    async def authorise(self, user) -> list[str] | None:
        raise NotImplementedError

    async def connect(self):
        user = self.scope.get("user")
        groups = await self.authorise(user) if user is not None and user.is_authenticated else None
        if not groups or user is None:
            await self.close(code=CLOSE_REFUSED)
            return
        groups = [*groups, user_sockets_group(user.pk)]
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined = groups
        self.sender = FrameSender(self.send, settings.LIVE_COALESCE_MS / 1000)
        self.watchdog = LayerWatchdog.for_loop(self.channel_layer)
        self.watchdog.add(self)
        await self.accept()

    async def disconnect(self, code):
        if self.watchdog is not None:
            self.watchdog.discard(self)
        if self.sender is not None:
            self.sender.cancel()
        for group in self.joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # noqa: BLE001  (Redis down: the subscription dies with the connection anyway)
                logger.debug("live: group_discard %s failed", group, exc_info=True)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only listen; whatever they send is ignored (writes go through the HTTP API)."""

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, through the one sync thread: a
        # thread hop per frame per socket. Forwarding a frame touches no database, so it skips that.
        if message["type"] == "live.frame":
            if message["frame"] == DISCONNECT_FRAME:
                await self.signed_out()
            elif self.sender is not None:
                self.sender.push(message["frame"])
            return
        await super().dispatch(message)

    async def signed_out(self):
        """The user's access was revoked: close now, with a code the page does not reconnect after."""
        if self.watchdog is not None:
            self.watchdog.discard(self)
        if self.sender is not None:
            self.sender.cancel()
        await self.close(code=CLOSE_SIGNED_OUT)

    async def feed_lost(self):
        if self.watchdog is not None:
            self.watchdog.discard(self)
        await self.close(code=CLOSE_FEED_LOST)


class UnroutedConsumer(AsyncWebsocketConsumer):
    """A handshake to a path no consumer serves: refused (4404; the browser sees the upgrade rejected)."""

    async def connect(self):
        await self.close(code=CLOSE_UNROUTED)


class AuctionConsumer(LiveConsumer):
    async def authorise(self, user):
        auction_id = self.scope["url_route"]["kwargs"]["auction_id"]
        visible = await database_sync_to_async(
            lambda: auction_get_visible_to(user=user, auction_id=auction_id) is not None)()
        return [auction_group(auction_id)] if visible else None


class SaleConsumer(LiveConsumer):
    async def authorise(self, user):
        sale_id = self.scope["url_route"]["kwargs"]["sale_id"]
        visible = await database_sync_to_async(lambda: sale_get_visible_to(user=user, sale_id=sale_id) is not None)()
        return [sale_group(sale_id)] if visible else None


class DashboardConsumer(LiveConsumer):
    async def authorise(self, user):
        if user.role == User.Role.DEALER or user.is_staff_member:
            return [DASHBOARD]
        return None


class UserConsumer(LiveConsumer):
    async def authorise(self, user):
        return [user_group(user.pk)]
