"""Promise 11 (tests/promises/test_no_input_crashes.py), against a real ASGI server: a WebSocket handshake to a
path nobody routes is refused cleanly. A module of its own: that module's stage stays in a transaction open for the
whole module, which this test's database teardown could not run beside."""

from urllib.parse import quote

import pytest
from django.conf import settings as django_settings

from tests.live.conftest import start_server, stop

pytestmark = pytest.mark.django_db


def test_a_websocket_handshake_to_a_path_nobody_routes_is_refused_cleanly(redis, tmp_path):
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        server = start_server(redis_url=django_settings.REDIS_URL, log=log)
    try:
        statuses = {path: server.refused(path) for path in (
            "/ws/nowhere/", "/ws/", "/", "/ws/auctions/not-a-number/", "/ws/auctions/99999999999999999999999/",
            "/ws/auctions/1/extra/", f"/ws/{quote(chr(0))}/")}
        # A session cookie holding a NUL is no session: the join is refused as for anyone signed out.
        statuses["/ws/user/ with a NUL in the session cookie"] = server.refused(
            "/ws/user/", cookie='"\\000abcdefghijklmnopqrstuvwxyz01234"')
    finally:
        stop(server.proc)
    assert set(statuses.values()) == {403}, statuses
    server_log = log_path.read_text()
    assert "Traceback" not in server_log and "Exception" not in server_log, server_log
