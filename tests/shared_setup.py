"""One expensive world for every example of a Hypothesis property, each example in a savepoint of its own.

A property that built its world (dealers, listings, inspected cars, auctions, sales) at the start of every example
spent most of its time building it again. Built once per test instead, and each example run inside a savepoint
that is rolled back, every example starts from exactly the state the first one saw: the database through the
savepoint, and Redis (the bid gate's copies, rate counters, the channel layer: written on commit by the previous
example and not rolled back with it) by putting back a snapshot taken right after the build.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.db import transaction

from tests.dbselect import REDIS_AVAILABLE


def _redis():
    # The redis-py client behind the default cache (the bid gate and the rate limits use the same one).
    return cast(DjangoRedisCache, caches["default"])._cache.get_client(write=True)


class RedisSnapshot:
    """Every key of the suite's Redis database as it is now (value and time to live), to put back later."""

    def __init__(self) -> None:
        self.keys = []
        if REDIS_AVAILABLE:
            client = _redis()
            self.keys = [(key, max(client.pttl(key), 0), client.dump(key)) for key in client.scan_iter()]

    def restore(self) -> None:
        if not REDIS_AVAILABLE:
            return
        client = _redis()
        client.flushdb()
        for key, ttl_ms, value in self.keys:
            if value is not None:  # expired between the scan and the dump
                client.restore(key, ttl_ms, value, replace=True)


@contextmanager
def example_savepoint(snapshot: RedisSnapshot) -> Iterator[None]:
    """Run one example from the shared world: Redis as it was after the build, every write rolled back after."""
    snapshot.restore()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
