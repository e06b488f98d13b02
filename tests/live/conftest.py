"""A real ASGI server (uvicorn subprocess) on the test database and a real Redis channel layer, and a real
WebSocket client (the `websockets` package's sync client) authenticated with a real session cookie."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import ROOT, subprocess_env
from tests.dbselect import free_port


def wait_for_port(port: int, proc: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"{what} did not start")
            time.sleep(0.1)


def stop(*procs: subprocess.Popen) -> None:
    """SIGTERM to each process's session (the server and any workers it forked), all at once, then wait for each;
    SIGKILL for one still there after 10 s."""
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in running:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@dataclass
class Server:
    port: int
    proc: subprocess.Popen

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws(self, path: str, user=None, *, origin: str | None = None, cookie: str | None = None):
        """A connected WebSocket as `user` (None: anonymous). Raises InvalidStatus when the handshake is refused."""
        headers = {"Origin": origin or self.origin}
        cookie = cookie or (session_cookie(user) if user is not None else None)
        if cookie:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={cookie}"
        return connect(f"ws://127.0.0.1:{self.port}{path}", additional_headers=headers, open_timeout=10)

    def refused(self, path: str, user=None, **kwargs) -> int:
        """The HTTP status of a refused handshake (fails the test if it was accepted)."""
        try:
            with self.ws(path, user, **kwargs):
                pass
        except InvalidStatus as exc:
            return exc.response.status_code
        pytest.fail(f"{path} accepted the connection")

    def get_json(self, path: str, user) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}"})
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, body
        return json.loads(body)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def frames(socket_, count: int, timeout: float = 10) -> list[dict]:
    return [json.loads(socket_.recv(timeout=timeout)) for _ in range(count)]


def launch_server(*, redis_url: str, extra_env: dict | None = None, log=None, wsgi: bool = False) -> Server:
    """A server process on a free port, not yet waited for (start several, then `wait_until_serving` each).
    The ASGI server (uvicorn, as production's `live`) by default; `wsgi`: gunicorn's sync workers, as production's
    `web` (docker-compose.yml). `log`: an open file for the server's output, instead of the test's own output."""
    env = subprocess_env({"REDIS_URL": redis_url,
                          "CHANNELS_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
                          "PYTHONUNBUFFERED": "1", **(extra_env or {})})
    port = free_port()
    if wsgi:
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", "1", "--log-level", "warning"]
    else:
        command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port",
                   str(port), "--lifespan", "off", "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log)
    return Server(port, proc)


def wait_until_serving(server: Server, what: str, seconds: float = 30) -> None:
    """The port is open and the application answers /livez (gunicorn's master opens the port before its worker
    has loaded Django)."""
    wait_for_port(server.port, server.proc, what, seconds)
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=seconds)
            conn.request("GET", "/livez")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if server.proc.poll() is not None or time.monotonic() > deadline:
            stop(server.proc)
            pytest.fail(f"{what} did not answer /livez")
        time.sleep(0.1)


def start_server(*, redis_url: str, extra_env: dict | None = None, log=None, wsgi: bool = False) -> Server:
    """`launch_server`, then wait until it serves."""
    server = launch_server(redis_url=redis_url, extra_env=extra_env, log=log, wsgi=wsgi)
    if wsgi:
        wait_until_serving(server, "the WSGI server (gunicorn)")
    else:
        wait_for_port(server.port, server.proc, "the ASGI server")
    return server


@pytest.fixture
def asgi_server(redis, transactional_db):
    """uvicorn serving config.asgi on a free port, on the test database and the suite's Redis."""
    server = start_server(redis_url=settings.REDIS_URL)
    yield server
    stop(server.proc)


class PrivateRedis:
    """A redis-server of this test's own, to kill and restart without disturbing anything else."""

    def __init__(self):
        self.port = free_port()
        self.proc = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, self.proc, "redis-server")

    def kill(self) -> None:
        stop(self.proc)


@pytest.fixture
def private_redis():
    if not os.path.exists("/usr/bin/redis-server"):
        pytest.skip("no /usr/bin/redis-server")
    server = PrivateRedis()
    server.start()
    yield server
    server.kill()
