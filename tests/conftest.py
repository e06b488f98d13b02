import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId
from django.conf import settings as django_settings
from django.db import connection

from tests.dbselect import REDIS_AVAILABLE

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


# The tests `make test` runs in its "serial" group (pytest-xdist --dist loadgroup): all of them in one worker, one
# after another, while the other workers run everything else. Besides the ones marked `serial` (the 32-thread
# races, whose connections two at once would take from PostgreSQL's 100, and the real-time browser tests), every
# test that uses one of these fixtures: a Redis it stops and starts, real Celery workers whose auctions end a few
# seconds from now, the whole stack of the journey.
SERIAL_FIXTURES = {"private_redis", "celery_worker_process", "journey_stack"}
# Tests that take long start first, so that a parallel run does not end waiting for one of them.
LONG_FIRST = ("tests/scale/", "tests/security/test_schemathesis.py", "tests/security/test_permission_matrix.py",
              "tests/marketplace/test_demo.py")


def _join_xdist_groups(items) -> None:
    """`--dist loadgroup` sends the tests whose node id ends in `@<group>` to one worker. pytest-xdist 3.8 adds
    that suffix by setting `item._nodeid`, which pytest 9.2 no longer reads (a node's id is `item._id` now), so
    every group would be scattered: add it where pytest reads it."""
    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if "serial" in groups:
            groups = ["serial"]  # the serial group wins over any other
        if groups and "@" not in item.nodeid.rpartition("::")[2]:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    have_browser = CHROMIUM.exists()
    in_xdist_worker = hasattr(config, "workerinput")
    if in_xdist_worker:
        items.sort(key=lambda item: next((rank for rank, path in enumerate(LONG_FIRST)
                                          if item.nodeid.startswith(path)), len(LONG_FIRST)))  # stable sort
    for item in items:
        if "serial" in item.keywords or SERIAL_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.xdist_group("serial"))
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (row locks, concurrent transactions); "
                                                    "running on SQLite"))
        if "redis" in item.fixturenames and not REDIS_AVAILABLE:
            item.add_marker(pytest.mark.skip(reason=f"Redis not reachable at {os.environ['REDIS_URL']}"))
        if "browser" in item.keywords and not have_browser:
            item.add_marker(pytest.mark.skip(reason="no /usr/bin/chromium on this machine "
                                                    "(apt-get install chromium); .ci/run installs it"))
    if in_xdist_worker and getattr(config.option, "loadgroup", False):
        _join_xdist_groups(items)


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language: the test client's requests activate theirs on the thread
    (LocaleMiddleware), and it would otherwise stay active for the next test's code outside a request."""
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _joinable_eager_results():
    """Every test starts allowed to call `.get()` on an eager task's result. With `task_always_eager`, Celery's
    `apply_async` sets a process-wide "a join would block" flag around the task and puts back the value it found;
    two threads doing that at once (the concurrency tests race bids from threads) can leave the flag set, and a later
    test's `task.apply().get()` then fails with "Never call result.get() within a task!"."""
    # celery-types leave out this private function of celery._state.
    from celery._state import _set_task_join_will_block  # type: ignore[attr-defined]

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Throttle counters live in the shared cache (Redis): every test starts with none."""
    from django.core.cache import cache

    if REDIS_AVAILABLE:
        cache.clear()


@pytest.fixture
def redis():
    """A real client on the suite's Redis database, emptied before the test."""
    import redis as redis_lib
    from django.conf import settings

    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def _client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """client_for(user) -> a logged-in client (session auth, like a browser)."""
    return _client_for


@pytest.fixture
def seller(db):
    from tests.accounts.factories import SellerFactory

    return SellerFactory()


@pytest.fixture
def dealer(db):
    from tests.accounts.factories import DealerFactory

    return DealerFactory(verified=True)


@pytest.fixture
def unverified_dealer(db):
    from tests.accounts.factories import DealerFactory

    return DealerFactory()


@pytest.fixture
def inspector(db):
    from tests.accounts.factories import InspectorFactory

    return InspectorFactory()


@pytest.fixture
def staff(db):
    from tests.accounts.factories import StaffFactory

    return StaffFactory()


def subprocess_env(extra_env: dict | None = None) -> dict:
    """The environment of a server or worker a test starts: this worker's test database, Redis and prefixes
    (tests/dbselect.py) and the running test's media folder, then `extra_env`."""
    from django.conf import settings

    db = connection.settings_dict
    env = os.environ.copy()
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env.update(extra_env or {})
    return env


def celery_worker_hostname(name: str) -> str:
    """The start of the node name a worker started with `name` answers pings with (`<name>-<pid>@<host>`)."""
    return f"{name}-{os.getpid()}@"


def launch_celery_worker(*, extra_env: dict | None = None, beat_schedule: Path | None = None,
                         queues: str | None = None, name: str = "test-worker") -> subprocess.Popen:
    """A real Celery worker in its own process (and session), on the suite's Redis and test database, not yet
    waited for (start several, then `wait_for_celery_workers`); with `beat_schedule` (a file path) it also runs
    beat, so the periodic tasks (the closing sweeper) fire; `queues` limits it as production's `-Q` does (default:
    every queue)."""
    env = subprocess_env(extra_env)
    beat = ["--beat", "--schedule", str(beat_schedule)] if beat_schedule else []
    only = ["--queues", queues] if queues else []
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads", "--concurrency", "4",
         "--loglevel", "WARNING", "--hostname", f"{celery_worker_hostname(name)}%h", "--without-mingle",
         "--without-gossip", *beat, *only],
        cwd=ROOT, env=env, start_new_session=True,
    )


def wait_for_celery_workers(workers: dict[str, subprocess.Popen], seconds: float = 30) -> None:
    """Until every worker (name -> process, as launched) answers a ping; kills them all and fails if one does not."""
    from config.celery import app

    deadline = time.monotonic() + seconds
    waiting = set(workers)
    while waiting:
        try:
            replies = app.control.ping(timeout=0.5)
        except Exception:  # the broker not answering yet
            replies = []
        answered = {host for reply in replies for host in reply}
        waiting = {name for name in waiting
                   if not any(host.startswith(celery_worker_hostname(name)) for host in answered)}
        if waiting and (time.monotonic() > deadline or any(workers[name].poll() is not None for name in waiting)):
            for proc in workers.values():
                proc.kill()
            pytest.fail(f"the Celery worker(s) {sorted(waiting)} did not start")
        if waiting:
            time.sleep(0.3)


def start_celery_worker(*, extra_env: dict | None = None, beat_schedule: Path | None = None,
                        queues: str | None = None, name: str = "test-worker") -> subprocess.Popen:
    """`launch_celery_worker`, then wait until it answers."""
    proc = launch_celery_worker(extra_env=extra_env, beat_schedule=beat_schedule, queues=queues, name=name)
    wait_for_celery_workers({name: proc})
    return proc


def stop_celery_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def celery_worker_process(redis, transactional_db):
    """A real Celery worker in its own process, on the suite's Redis and test database."""
    proc = start_celery_worker()
    yield proc
    stop_celery_worker(proc)


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
        # ORM calls made while Playwright's loop runs get their own connection (asgiref's Local
        # follows the event loop's context): close it here, or the test database cannot be dropped.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def e2e_dir():
    path = ROOT / "var" / "e2e"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(ROOT / "var" / "test-media", ignore_errors=True)

