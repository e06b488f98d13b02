"""`make run` (manage.py runstack) as a newcomer runs it: no DATABASE_URL, so the embedded PostgreSQL; healthy
once web, worker and beat are up; Ctrl-C stops everything, the PostgreSQL server included."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.dbselect import free_port

pytestmark = [pytest.mark.serial]

ROOT = Path(__file__).resolve().parents[2]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _health(port: int) -> tuple[int, dict] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return None


@pytest.fixture
def var_dir():
    """make run's var/, outside pytest's temporary folder: run as root, the PostgreSQL server runs as its own user
    and needs to traverse the folders above its data, and pytest makes its own folder root's alone again whenever
    another pytest starts on this machine."""
    directory = Path(tempfile.mkdtemp(prefix="gavel-runstack-"))
    yield directory / "var"
    shutil.rmtree(directory, ignore_errors=True)


def test_make_run_without_database_url_runs_on_the_embedded_postgresql_and_ctrl_c_stops_it(tmp_path, var_dir, redis):
    var = var_dir
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(GAVEL_VAR_DIR=str(var), MEDIA_ROOT=str(var / "media"), REDIS_URL=settings.REDIS_URL, PORT=str(port))
    for name in ("CACHE_KEY_PREFIX", "CHANNELS_PREFIX", "GAVEL_CELERY_KEY_PREFIX"):
        env.pop(name, None)  # make run's own prefixes
    log = tmp_path / "run.log"  # a file, not a pipe: nobody reads a pipe while the servers write to it
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runstack", "--no-demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    postmaster_pid = None
    try:
        # Waiting, not timing: a first start migrates a new database (minutes on a loaded machine).
        deadline = time.monotonic() + 600
        answer = None
        while proc.poll() is None and time.monotonic() < deadline:
            answer = _health(port)
            if answer is not None and answer[0] == 200:
                break
            time.sleep(1)
        assert answer is not None and answer[0] == 200, f"not healthy: {answer}\n{log.read_text()[-5000:]}"
        assert answer[1] == {"status": "ok", "database": "up", "redis": "up", "celery": "up", "down": []}
        # The embedded PostgreSQL serves from var/postgres.
        postmaster_pid = int((var / "postgres" / "postmaster.pid").read_text().split()[0])
        assert _running(postmaster_pid)
        # make run's Celery keeps to its prefix on the shared Redis.
        keys = [key.decode() for key in redis.keys("*")]
        assert any(key.startswith("gavel-run:") for key in keys)
        assert not [key for key in keys if key.startswith("_kombu")], keys
        # make run checks /healthz itself (every 2 s) before it prints the address: wait for that line.
        banner_by = time.monotonic() + 60
        while "Gavel is up at" not in log.read_text() and time.monotonic() < banner_by:
            time.sleep(0.5)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends to make run's process group
        proc.wait(timeout=120)
    output = log.read_text()
    assert proc.returncode == 0, output
    assert "Stopped." in output
    assert f"Gavel is up at http://127.0.0.1:{port}" in output
    # The server is told to stop before make run exits; a loaded machine may take a moment to see it gone.
    gone_by = time.monotonic() + 30
    while postmaster_pid is not None and _running(postmaster_pid) and time.monotonic() < gone_by:
        time.sleep(0.5)
    assert postmaster_pid is not None and not _running(postmaster_pid), "Ctrl-C stopped the embedded PostgreSQL too"
    assert not (var / "postgres" / "postmaster.pid").exists()
