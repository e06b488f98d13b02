"""Stale bids refused without the database: a copy of each live auction's minimum next bid, status and end in Redis.

On a hot auction nearly every bid arrives one increment too late (everyone bids the same next amount; one wins each
round). The copy lets bid_place refuse those before any query. It is written after each commit that changed what
the auction's pages show — by `auction_publish_on_commit`, the one call every such change makes — with the frames
of the live event, and only when it is newer (`event_seq`) than what Redis holds.

Why a stale copy is safe: a price only rises between two public changes, so a minimum read from an older copy is
at most the true one, and a bid below it is below the true one too; a copy can only let a bid through to the locked
check, never refuse a valid one. The one change that lowers a price, working an auction out again without a
withdrawn dealer, first puts a hold on the copy (`bid_gate_hold`, before its commit, with its new `event_seq`), so
no older copy can come back and the gate lets everything through until the new minimum is written. Closed and
cancelled are final, so they refuse too. The end is copied for readers but refuses nothing: it only moves later,
so an older copy's end may already have been extended. The leader's own bids (raising a maximum) skip the gate:
they have rules of their own. Every copy expires (GAVEL_BID_GATE_SECONDS after its last write), and Redis being
away lets every bid through.
"""

import logging
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.commands.core import Script
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FINAL_STATUSES = ("closed", "cancelled")

# KEYS[1] the copy; ARGV: event_seq, minimum, ends (ms since the epoch), status, leader id ("" for none), ttl ms.
# Written only when not older than the copy held (a hold has the same event_seq and no minimum).
# redis-py's annotation asks for a registered client; with bytes and a client on every call, None is what it needs.
_WRITE = Script(None,  # type: ignore[arg-type]
                b"""
local held = redis.call('HGET', KEYS[1], 'seq')
if held and tonumber(held) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'min', ARGV[2], 'ends', ARGV[3], 'status', ARGV[4], 'leader', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
""")


def _key(auction_id: int) -> str:
    return caches["default"].make_and_validate_key(f"bidgate:{int(auction_id)}")


def _client():
    # The redis-py client behind the default cache, with its pool (as core.ratelimit).
    return cast(DjangoRedisCache, caches["default"])._cache.get_client(write=True)


@dataclass(frozen=True)
class BidGateCopy:
    """What the copy says (any field may be missing: a hold has no minimum)."""

    event_seq: int
    minimum_minor: int | None
    ends_at_ms: int | None
    status: str
    leader_id: int | None


def bid_gate_write_args(*, auction_id: int, event_seq: int, minimum_minor: int | None, ends_at_ms: int | None,
                        status: str, leader_id: int | None) -> tuple[list, list]:
    """KEYS and ARGV of one copy write, for a pipeline of the caller's (the live event's)."""
    ttl_ms = settings.GAVEL_BID_GATE_SECONDS * 1000
    return [_key(auction_id)], [event_seq, "" if minimum_minor is None else minimum_minor,
                                "" if ends_at_ms is None else ends_at_ms, status,
                                "" if leader_id is None else leader_id, ttl_ms]


def bid_gate_write(pipeline_or_client=None, **copy) -> None:
    """Write one auction's copy (queued on `pipeline_or_client` if given, else sent now; Redis errors logged)."""
    keys, args = bid_gate_write_args(**copy)
    try:
        client = pipeline_or_client if pipeline_or_client is not None else _client()
        _WRITE(keys=keys, args=args, client=client)
    except RedisError as exc:
        logger.warning("bid gate: copy of auction %s not written, Redis unavailable: %s", copy["auction_id"], exc)


def bid_gate_queue(pipeline, **copy) -> None:
    """Queue one copy write on the caller's pipeline (the outbox's) as a plain EVAL: a registered script would make
    redis-py's pipeline ask SCRIPT EXISTS first, a second round trip."""
    keys, args = bid_gate_write_args(**copy)
    pipeline.eval(_WRITE.script, len(keys), *keys, *args)


def bid_gate_hold(*, auction_id: int, event_seq: int) -> None:
    """Before a change that lowers the price commits: no copy older than `event_seq` may refuse anything now."""
    bid_gate_write(auction_id=auction_id, event_seq=event_seq, minimum_minor=None, ends_at_ms=None, status="",
                   leader_id=None)


_FIELDS = ("seq", "min", "ends", "status", "leader")


def bid_gate_read(auction_id: int) -> BidGateCopy | None:
    """The copy, or None (none written, expired, or Redis away)."""
    try:
        reply = _client().hmget(_key(auction_id), *_FIELDS)
    except RedisError as exc:
        logger.warning("bid gate not read, Redis unavailable: %s", exc)
        return None
    return bid_gate_parse(reply)


def bid_gate_read_queue(pipeline, auction_id: int) -> None:
    """Queue the read of one auction's copy on the caller's pipeline (the bid's rate limit: core.ratelimit);
    `bid_gate_parse` reads its reply."""
    pipeline.hmget(_key(auction_id), *_FIELDS)


def bid_gate_parse(reply) -> BidGateCopy | None:
    """The copy in a reply to the read (`bid_gate_read_queue`), or None."""
    if not reply:
        return None
    seq, minimum, ends, status, leader = reply
    if seq is None:
        return None
    return BidGateCopy(event_seq=int(seq), minimum_minor=int(minimum) if minimum else None,
                       ends_at_ms=int(ends) if ends else None, status=(status or b"").decode(),
                       leader_id=int(leader) if leader else None)


def bid_gate_refusal(copy: BidGateCopy | None, *, dealer_id: int, offered_minor) -> tuple[str, int | None] | None:
    """What the copy alone refuses: ("auction_not_live", None), ("bid_too_low", minimum) or None (ask the
    database). Pure, so the safety property is tested on it directly."""
    if copy is None:
        return None
    if copy.status in FINAL_STATUSES:
        return ("auction_not_live", None)
    if copy.status != "live" or copy.minimum_minor is None or copy.leader_id == dealer_id:
        return None
    if isinstance(offered_minor, int) and not isinstance(offered_minor, bool) and 0 < offered_minor \
            < copy.minimum_minor:
        return ("bid_too_low", copy.minimum_minor)
    return None
