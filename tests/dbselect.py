"""Loaded before Django (pytest -p): picks the database and Redis the suite runs against.

PostgreSQL and Redis are used when reachable (DATABASE_URL / REDIS_URL, or the local
defaults); otherwise SQLite, and tests that need PostgreSQL or Redis skip with a reason.
"""

import os
import socket
from urllib.parse import urlparse

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/gavel"
LOCAL_REDIS = "redis://127.0.0.1:6379/15"


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=1):
            return True
    except OSError:
        return False


if not os.environ.get("DATABASE_URL") and _reachable(LOCAL_POSTGRES):
    os.environ["DATABASE_URL"] = LOCAL_POSTGRES
if not os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = LOCAL_REDIS
# Keep the suite's pub/sub channels and cache keys apart from a `make run` on the same Redis.
os.environ.setdefault("CHANNELS_PREFIX", "gavel-test")
os.environ.setdefault("CACHE_KEY_PREFIX", "gavel-test")
os.environ.setdefault("DEBUG", "1")
# The suite holds many connections at once (32-thread bidding tests): plain connections, no pool.
os.environ.setdefault("DB_POOL", "0")
# Notification emails in-process, so tests read them from mail.outbox (a worker test may override).
os.environ.setdefault("GAVEL_NOTIFY_ASYNC", "0")

REDIS_AVAILABLE = _reachable(os.environ["REDIS_URL"])


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db.get('HOST')}:{db.get('PORT')}/{db['NAME']}"
    engine = "PostgreSQL" if "postgresql" in db["ENGINE"] else "SQLite"
    redis_state = "reachable" if REDIS_AVAILABLE else "NOT reachable: Redis tests skip"
    return [f"gavel: database {engine} ({where}; tests use test_{db['NAME']})" if engine == "PostgreSQL"
            else f"gavel: database SQLite ({where}); PostgreSQL-only tests skip",
            f"gavel: redis {os.environ['REDIS_URL']} ({redis_state})"]
