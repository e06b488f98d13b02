"""Outgoing HTTP to addresses users chose, without server-side request forgery.

The host is resolved once and every address it resolves to must be public (not private, loopback, link-local,
multicast, reserved or unspecified); the connection then goes to that vetted address (a second lookup could
answer differently — DNS rebinding), with the URL's host name kept for TLS (SNI, certificate check) and the Host
header. Plain HTTP only with DEBUG; redirects are never followed (http.client does not); timeouts are short.
`GAVEL_WEBHOOK_ALLOW_LOOPBACK` lets the test suite's local receivers in, and nothing else."""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError


class EgressRefused(ApplicationError):
    code = "webhook_url_refused"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class Response:
    status: int | None
    duration_ms: int
    error: str = ""


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback and settings.GAVEL_WEBHOOK_ALLOW_LOOPBACK:
        return True
    return address.is_global and not (address.is_multicast or address.is_reserved)


def url_check(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL we may send to, or EgressRefused naming why not (no DNS yet)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EgressRefused(_("Not a valid URL."), fields={"url": [_("Not a valid URL.")]}) from None
    allowed = ("https", "http") if settings.DEBUG else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        message = _("An https:// address is needed.") if not settings.DEBUG else _("An http(s):// address is needed.")
        raise EgressRefused(message, fields={"url": [message]})
    if parts.username or parts.password:
        raise EgressRefused(_("No credentials in the address."), fields={"url": [_("No credentials in the address.")]})
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(url: str) -> Target:
    """The URL's host resolved to one address that is allowed, or EgressRefused (private, loopback, unknown)."""
    scheme, host, port, path = url_check(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise EgressRefused(
            _("The host name does not resolve."), fields={"url": [_("The host name does not resolve.")]}
        ) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or not all(_address_allowed(a) for a in addresses):
        # One private answer among public ones is refused too: the connection could be steered to it.
        message = _("The address resolves to a private, loopback or link-local network.")
        raise EgressRefused(message, fields={"url": [message]})
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Response:
    """POST `body` to `url` once; never raises for the network or the receiver (the answer says what happened).
    EgressRefused when the address is not allowed."""
    target = resolve(url)
    timeout = settings.GAVEL_WEBHOOK_TIMEOUT_SECONDS
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    started = time.monotonic()
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Content-Type": "application/json", "User-Agent": "Gavel-Webhooks/1"},
        )
        answer = connection.getresponse()
        answer.read(64 * 1024)  # the receiver's answer is not kept; a bounded read lets the connection close
        status: int | None = answer.status
        error = ""
    except (OSError, http.client.HTTPException) as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:300]
    finally:
        connection.close()
    return Response(status=status, duration_ms=int((time.monotonic() - started) * 1000), error=error)
