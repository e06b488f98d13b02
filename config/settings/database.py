"""The database: DATABASE_URL (postgres://… in production and CI; `make run` sets it to its embedded PostgreSQL
in var/postgres, core.embedded_postgres). Without it, SQLite in var/: only the test suite on a machine without
PostgreSQL still falls back to that (tests/dbselect.py)."""

import dj_database_url

from config.settings.django import VAR_DIR
from config.settings.env import env_bool, env_int, env_str

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gavel.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0),
                                              conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing, and take the
    # write lock at BEGIN so two writers never deadlock on a lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)
    if env_bool("DB_POOL", True):
        # Under ASGI every request runs in a fresh thread, so per-thread persistent connections
        # leak; psycopg 3's pool hands each request a warm connection instead.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        _pool_min = env_int("DB_POOL_MIN", 2, minimum=0)
        _options["pool"] = {"min_size": _pool_min, "max_size": env_int("DB_POOL_MAX", 12, minimum=max(_pool_min, 1)),
                            "timeout": env_int("DB_POOL_TIMEOUT", 10, minimum=1)}
