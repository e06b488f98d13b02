from typing import cast

from django.core.cache import cache

from core.cache import RedisCache


def test_the_cache_keeps_one_redis_client_and_still_works(redis):
    cache.set("gavel-test:k", {"a": 1}, 30)
    first = cast(RedisCache, cache)._cache.get_client(write=True)
    assert cache.get("gavel-test:k") == {"a": 1}
    assert cache.incr("gavel-test:n", 1) if cache.add("gavel-test:n", 0, 30) else False
    assert cast(RedisCache, cache)._cache.get_client(write=True) is first
    cache.delete("gavel-test:k")
    assert cache.get("gavel-test:k") is None
