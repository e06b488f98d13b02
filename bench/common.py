"""Shared plumbing for the benchmarks: a throwaway database, a production-shaped server, load
threads and latency statistics."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_DB = os.environ.get("BENCH_DB", "gavel_bench")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")


def bench_env(**extra) -> dict:
    env = os.environ.copy()
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
        REDIS_URL=BENCH_REDIS,
        CHANNELS_PREFIX="gavel-bench",
        CACHE_KEY_PREFIX="gavel-bench",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 60,
        GAVEL_CARD_WEBHOOK_SECRET="bench-card-webhook-secret",
        GAVEL_LOG_PRIVATE_KEY=base64.b64encode(os.urandom(32)).decode("ascii"),
        # Production-shaped but with the simulated payout provider (nothing here moves real money): allowed.
        GAVEL_ALLOW_SIMULATED_PROVIDERS="1",
        # The bench's sessions stand for people past their sign-in (and its second factor, for owners and staff).
        GAVEL_2FA_REQUIRED="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        LOG_LEVEL="WARNING",
        DB_POOL="1",
        GAVEL_BID_RATE="100000/s",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def recreate_database(env: dict) -> None:
    import psycopg

    admin = psycopg.connect(PG_ADMIN_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
    admin.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0", "--no-input"], cwd=ROOT, env=env, check=True)
    # DEBUG is off, as in production: pages need the collected, hashed static files.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "-v", "0", "--no-input"], cwd=ROOT, env=env,
                   check=True)
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_server_name(workers: int) -> str:
    kind = "uvicorn (BENCH_SERVER=asgi)" if os.environ.get("BENCH_SERVER") == "asgi" else "gunicorn sync workers"
    return f"{kind}, {workers} worker processes"


@contextmanager
def http_server(env: dict, *, workers: int = 4, wsgi: str = "config.wsgi:application",
                started: list[int] | None = None):
    """The server production runs for pages and the API (docker-compose.yml `web`): gunicorn's sync workers,
    each with a persistent database connection. BENCH_SERVER=asgi serves them from uvicorn instead, the
    server that carries the WebSockets (`live`), for comparison. `started` (here and below) gets the process id
    of what was started, which leads a process group of its own (its workers are in it)."""
    if os.environ.get("BENCH_SERVER") == "asgi":
        with asgi_server(env, workers=workers, started=started) as port:
            yield port
        return
    port = free_port()
    env = {**env, "DB_POOL": "0", "DB_CONN_MAX_AGE": "600"}
    command = [sys.executable, "-m", "gunicorn", wsgi, "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--log-level", "warning"]
    with _serving(command, env, port, started=started):
        yield port


@contextmanager
def asgi_server(env: dict, *, workers: int = 4, started: list[int] | None = None):
    """The server production runs for WebSockets (docker-compose.yml `live`): uvicorn, several workers."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port",
               str(port), "--workers", str(workers), "--no-access-log", "--lifespan", "off", "--log-level", "warning"]
    with _serving(command, env, port, started=started):
        yield port


@contextmanager
def outbox_worker(env: dict, *, started: list[int] | None = None):
    """`manage.py outbox_worker` (docker-compose.yml `outbox`): delivers the bids' live frames and notices."""
    proc = subprocess.Popen([sys.executable, "manage.py", "outbox_worker"], cwd=ROOT, env=env, start_new_session=True)
    if started is not None:
        started.append(proc.pid)
    try:
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def celery(env: dict, *, started: list[int] | None = None):
    """Celery as production runs it (docker-compose.yml): a closer on the `closing` queue, a worker for the
    rest (notifications, emails, the periodic sweeps), and beat."""
    beat_schedule = f"/tmp/gavel-bench-beat-{os.getpid()}"
    procs = [
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel",
                          os.environ.get("BENCH_CELERY_LOGLEVEL", "WARNING"), "--queues", queue, "--concurrency", "2",
                          "--hostname", f"bench-{queue}-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
                         cwd=ROOT, env=env, start_new_session=True)
        for queue in ("closing", "celery")
    ] + [
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING",
                          "--schedule", beat_schedule], cwd=ROOT, env=env, start_new_session=True),
    ]
    if started is not None:
        started.extend(proc.pid for proc in procs)
    try:
        yield
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for suffix in ("", ".db", ".dat", ".dir", ".bak"):
            try:
                os.unlink(beat_schedule + suffix)
            except FileNotFoundError:
                pass


@contextmanager
def _serving(command: list[str], env: dict, port: int, *, started: list[int] | None = None):
    proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    if started is not None:
        started.append(proc.pid)
    deadline = time.monotonic() + float(os.environ.get("BENCH_START_SECONDS", "30"))  # a loaded machine: more
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.2)
    try:
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    codes: Counter = field(default_factory=Counter)
    accepted: int = 0
    wall: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, code: str, accepted: bool) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.codes[code] += 1
            if accepted:
                self.accepted += 1


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_threads(count: int, seconds: float, work) -> float:
    """Run `work(index, stop_at)` in `count` threads; return the wall time."""
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=work, args=(i, stop_at), daemon=True) for i in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return time.monotonic() - started


class Http:
    """A keep-alive HTTP/1.1 client for one load thread."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.last_headers: dict[str, str] = {}  # the last answer's headers, names in lower case

    def request_raw(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        payload = json.dumps(body) if body is not None else None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=payload, headers={**self.headers, **(headers or {})})
                response = self.conn.getresponse()
                self.last_headers = {name.lower(): value for name, value in response.getheaders()}
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """JSON in, (status, parsed JSON or None) out; a non-JSON body (an error page) reads as None."""
        status, data = self.request_raw(method, path, body, headers)
        try:
            return status, (json.loads(data) if data else None)
        except ValueError:
            return status, None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """min / median / max of repeated measurements."""
    ordered = sorted(values)
    median = ordered[len(ordered) // 2] if len(ordered) % 2 else (ordered[len(ordered) // 2 - 1]
                                                                  + ordered[len(ordered) // 2]) / 2
    return "min " + fmt.format(ordered[0]) + " / med " + fmt.format(median) + " / max " + fmt.format(ordered[-1])
