"""The outbox: a hot path's after-commit effects leave in one pipelined Redis write, and a worker delivers them.

A bid used to wait, after its commit, for a Celery enqueue per outbid notice and a PUBLISH per live frame. With the
outbox, `outbox_send_on_commit` queues everything a committed change wants told — the live frames (group, frame),
the notifications (`core.notifications.notify_user_id` arguments) and the named effects later apps register
(`outbox_effect_register`: an outbid organisation's members told, its webhook endpoints looked up) — as one entry
of a Redis stream, in the same pipeline as any other write the caller adds (the bid gate's copy), so the request
pays one Redis round trip and no database query after its commit.

`outbox_consume` (run by `manage.py outbox_worker`, started by `make run` and docker-compose's `outbox` service)
drains the stream through a consumer group: it sends the frames, writes the notifications, and only then
acknowledges and deletes the entry. Delivery is at least once: an entry whose worker died is claimed by another
after OUTBOX_CLAIM_IDLE_MS; a notification carries an `event_key`, so a second delivery writes nothing and sends no
second email; a frame carries its auction's `event_seq`, so pages ignore a repeat.

A Redis outage at write time never breaks the committed change: frames are dropped (pages resync), notifications are
written in-process, as core.notifications does when the Celery broker is away.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.db import close_old_connections, transaction
from redis.exceptions import RedisError, ResponseError

from core.events import Message, send_to_groups
from core.notifications import notify_user_id

logger = logging.getLogger(__name__)

GROUP = "gavel-outbox"
OUTBOX_CLAIM_IDLE_MS = 30_000  # an entry read but not acknowledged this long is taken over by another worker
BLOCK_MS = 1_000


def outbox_stream() -> str:
    return caches["default"].make_and_validate_key("outbox")


def _client():
    # The redis-py client behind the default cache, with its pool (as core.ratelimit and auctions.bid_gate).
    return cast(DjangoRedisCache, caches["default"])._cache.get_client(write=True)


# Effects a later app hands the worker by name (its AppConfig.ready() registers them): work that needs the database
# (whose organisation members to tell, whether a dealer has webhook endpoints) done by the worker, not the request.
# Each must be idempotent (an `event_key`): an entry can be delivered twice.
Effect = tuple[str, dict]
_EFFECTS: dict[str, Callable[..., object]] = {}


def outbox_effect_register(name: str, func: Callable[..., object]) -> None:
    _EFFECTS[name] = func


def _effect_run(name: str, kwargs: dict) -> None:
    if name not in _EFFECTS:
        raise LookupError(f"no outbox effect {name!r}: its app registers it in ready()")
    _EFFECTS[name](**kwargs)


def outbox_entry(*, messages: Sequence[Message] = (), notifications: Sequence[dict] = (),
                 effects: Sequence[Effect] = ()) -> dict[str, str]:
    """The stream entry's fields: one JSON document, so a reader never sees half of it."""
    return {"m": json.dumps({"frames": [list(message) for message in messages],
                             "notify": list(notifications), "effects": [list(effect) for effect in effects]},
                            separators=(",", ":"))}


def outbox_send(*, messages: Sequence[Message] = (), notifications: Sequence[dict] = (),
                effects: Sequence[Effect] = (), also: Callable[[Any], None] | None = None) -> bool:
    """Now: one pipeline (one round trip) with the entry and whatever `also` queues on it. False when Redis is
    away (logged): the notifications and effects are then run here, the frames dropped."""
    try:
        pipeline = _client().pipeline(transaction=False)
        if also is not None:
            also(pipeline)
        pipeline.xadd(outbox_stream(), outbox_entry(messages=messages, notifications=notifications, effects=effects))
        pipeline.execute()
    except RedisError as exc:
        logger.warning("outbox: Redis unavailable, %d frame(s) dropped, %d notification(s) and %d effect(s) run "
                       "in-process: %s", len(messages), len(notifications), len(effects), exc)
        for kwargs in notifications:
            notify_user_id(**kwargs)
        for name, kwargs in effects:
            _effect_run(name, kwargs)
        return False
    return True


def outbox_send_on_commit(*, messages: Sequence[Message] = (), notifications: Sequence[dict] = (),
                          effects: Sequence[Effect] = (), also: Callable[[Any], None] | None = None) -> None:
    """`outbox_send` once the surrounding transaction commits (now, outside one); never for a rolled-back change."""
    frozen_messages, frozen_notifications = list(messages), [dict(n) for n in notifications]
    frozen_effects = [(name, dict(kwargs)) for name, kwargs in effects]

    def send() -> None:
        sent = frozen_messages
        if settings.LIVE_EVENT_TIMESTAMPS:  # benchmarks only, as core.events: commit → receipt, the outbox included
            now = time.time()
            sent = [(group, {**frame, "committed_at": now}) for group, frame in frozen_messages]
        outbox_send(messages=sent, notifications=frozen_notifications, effects=frozen_effects, also=also)

    transaction.on_commit(send)


def _deliver(fields: dict) -> None:
    """One entry's effects; raises if any could not be delivered (the entry stays pending and comes back)."""
    document = json.loads(fields[b"m"])
    frames = [(group, frame) for group, frame in document["frames"]]
    if frames and not send_to_groups(frames):
        raise RedisError("the channel layer did not take the frames")
    for kwargs in document["notify"]:
        notify_user_id(**kwargs)
    for name, kwargs in document.get("effects", []):
        _effect_run(name, kwargs)


def _ensure_group(client) -> None:
    try:
        client.xgroup_create(outbox_stream(), GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"


def outbox_consume(*, consumer: str, block_ms: int = BLOCK_MS, count: int = 100,
                   claim_idle_ms: int = OUTBOX_CLAIM_IDLE_MS) -> int:
    """Deliver what is waiting (first entries other workers left unacknowledged for `claim_idle_ms`, then new ones,
    waiting up to `block_ms` for some); acknowledge and delete each delivered entry. Returns how many were delivered.
    An entry that fails stays pending and is retried after `claim_idle_ms`."""
    client = _client()
    _ensure_group(client)
    stream = outbox_stream()
    claimed = client.xautoclaim(stream, GROUP, consumer, min_idle_time=claim_idle_ms, start_id="0-0", count=count)[1]
    entries = [(entry_id, fields) for entry_id, fields in claimed if fields]
    if not entries:
        for _, read in client.xreadgroup(GROUP, consumer, {stream: ">"}, count=count, block=block_ms) or []:
            entries += read
    delivered = []
    for entry_id, fields in entries:
        close_old_connections()
        try:
            _deliver(fields)
        except Exception:  # left pending: claimed again after claim_idle_ms (at least once)
            logger.exception("outbox: entry %s not delivered; it will be retried", entry_id)
            continue
        delivered.append(entry_id)
    if delivered:
        pipeline = client.pipeline(transaction=False)
        pipeline.xack(stream, GROUP, *delivered)
        pipeline.xdel(stream, *delivered)
        pipeline.execute()
    return len(delivered)


def outbox_run(*, stop: threading.Event, consumer: str | None = None, block_ms: int = BLOCK_MS,
               claim_idle_ms: int = OUTBOX_CLAIM_IDLE_MS) -> None:
    """The worker's loop, until `stop` is set; a Redis outage is waited out, not fatal."""
    name = consumer or consumer_name()
    while not stop.is_set():
        try:
            outbox_consume(consumer=name, block_ms=block_ms, claim_idle_ms=claim_idle_ms)
        except RedisError as exc:
            logger.warning("outbox: could not read the stream (Redis away, or the stream deleted), retrying: %s", exc)
            stop.wait(1.0)


def outbox_enabled() -> bool:
    return bool(settings.GAVEL_OUTBOX)
