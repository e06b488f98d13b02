"""Rate limits: one atomic increment-and-check in Redis per counted request, failing open.

Every limit Gavel sets (bids, uploads, token logins, sign-ups) counts here. A counter is a fixed window that
opens with the first request: a Lua script increments it and, on the first increment, gives it the window's
expiry, in one round trip that Redis runs atomically. So N simultaneous requests get N distinct counts and
exactly `limit` of them pass — unlike a read-then-write of a request history (DRF's SimpleRateThrottle), where
simultaneous requests all read the same history and all pass.

If Redis is away, the request goes on (availability beats rate limiting for a moment) and the outage is logged
at WARNING: a limit must never turn a bid or a sign-up into a 500.
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.exceptions import ImproperlyConfigured
from redis.commands.core import Script
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
            "d": 86400, "day": 86400}

# KEYS[1] the counter, ARGV[1] the window in ms -> {count in this window, ms until the window closes}.
# A counter found without an expiry (restored from a dump, set by hand) gets the window too, so none lives forever.
_HIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


@lru_cache(maxsize=64)
def rate_parse(text: str) -> Rate:
    """'30/min', '10/hour', '60/m', '10/h', '5/s', '1000/day' -> Rate."""
    count, _, period = (text or "").partition("/")
    try:
        rate = Rate(int(count), _PERIODS[period.strip().lower()])
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"A rate is '<n>/<s|min|hour|day>', not {text!r}") from None
    if rate.limit < 0:
        raise ImproperlyConfigured(f"A rate needs a non-negative count, not {text!r}")
    return rate


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    retry_after_seconds: int = 0  # when refused: until the window closes, at least 1
    count: int | None = None  # this request's number in the window; None when Redis could not be asked
    also: list = field(default_factory=list)  # the replies to the caller's own commands (`also`), [] if none


# EVALSHA, and SCRIPT LOAD once if a Redis has not seen it (a new or restarted server). Bytes: no client needed.
# redis-py's annotation asks for a registered client; with bytes and a client on every call, None is what it needs.
_HIT_SCRIPT = Script(None, _HIT.encode())  # type: ignore[arg-type]


def rate_limit_hit(*, scope: str, ident, rate: str, cache_alias: str = "default",
                   also: Callable[[Any], None] | None = None) -> RateLimitResult:
    """Count one request of `ident` (a user id, an address) against `scope`'s `rate` and say whether it may go.

    `also(pipeline)` may queue the caller's own commands (reads) to go in the same round trip, on the same
    Redis; their replies come back in `RateLimitResult.also` (none if Redis could not be asked)."""
    parsed = rate_parse(rate)
    backend = caches[cache_alias]
    key = backend.make_and_validate_key(f"ratelimit:{scope}:{ident}")
    try:
        # The redis-py client behind Django's Redis cache (this project's, or Django's own), with its pool.
        client = cast(DjangoRedisCache, backend)._cache.get_client(key, write=True)
        if also is None:
            count, ttl_ms = _HIT_SCRIPT(keys=[key], args=[parsed.seconds * 1000], client=client)
            replies = []
        else:
            # A plain EVAL: a registered script would make redis-py's pipeline ask SCRIPT EXISTS first, a second
            # round trip.
            pipeline = client.pipeline(transaction=False)
            pipeline.eval(_HIT, 1, key, parsed.seconds * 1000)
            also(pipeline)
            (count, ttl_ms), *replies = pipeline.execute()
    except RedisError as exc:
        logger.warning("rate limit %s not checked, Redis unavailable: %s", scope, exc)
        return RateLimitResult(allowed=True)
    if count <= parsed.limit:
        return RateLimitResult(allowed=True, count=count, also=replies)
    return RateLimitResult(allowed=False, retry_after_seconds=max(1, math.ceil(ttl_ms / 1000)), count=count,
                           also=replies)
