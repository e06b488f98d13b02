"""A real local HTTP receiver standing in for a dealer's system: it records every request and answers with the
statuses it is told, in order (the last one from then on)."""

import http.server
import threading
from dataclasses import dataclass, field
from email.message import Message


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    redirect_to: str = ""
    url: str = ""

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)


def start_receiver(
    statuses: list[int] | None = None, *, redirect_to: str = ""
) -> tuple[Receiver, http.server.ThreadingHTTPServer]:
    state = Receiver(statuses=list(statuses or [200]), redirect_to=redirect_to)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(
                Received(path=self.path, headers=self.headers, body=body)
            )  # headers: case-insensitive
            status = state.statuses.pop(0) if len(state.statuses) > 1 else state.statuses[0]
            self.send_response(status)
            if state.redirect_to:
                self.send_header("Location", state.redirect_to)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/gavel"
    return state, server
