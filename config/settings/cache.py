"""Redis: the cache (and the rate limits' counters) here; the Celery broker and the channel layer use the same
server (celery.py, channels.py)."""

from config.settings.env import env_str

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "gavel"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
