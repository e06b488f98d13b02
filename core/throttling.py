"""DRF throttles backed by the shared cache (Redis) that fail open: if Redis is briefly away,
requests go on (and the outage is logged) rather than failing with a 500."""

import logging
import math

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The client's address: X-Real-IP when Gavel runs behind its proxy (which overwrites that header,
    deploy/nginx.conf), else the peer address. Rate limits (DRF and django-ratelimit) key on it."""
    if settings.TRUST_X_REAL_IP and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"].strip()
    return request.META.get("REMOTE_ADDR", "")


class _FailOpen:
    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # cache backend down: availability beats rate limiting
            logger.warning("throttle %s skipped, cache unavailable: %s", type(self).__name__, exc)
            return True


class ScopedThrottle(_FailOpen, ScopedRateThrottle):
    """Per-user (or per-address for anonymous clients) limit of the view's `throttle_scope`."""


class UserThrottle(_FailOpen, UserRateThrottle):
    pass


class UploadRateThrottle(_FailOpen, SimpleRateThrottle):
    """Per-user limit on requests that carry files (photos), settings.GAVEL_UPLOAD_RATE: every file is decoded
    and re-encoded four times, so uploads are the costliest requests there are. The API views and the pages
    (upload_throttle_wait) count against one counter per user; requests without files do not count."""

    scope = "uploads"

    def __init__(self):
        # Read per request, not once per process as DRF does, so the setting can change (tests, benchmarks).
        self.rate = settings.GAVEL_UPLOAD_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request, view):
        if request.method != "POST" or not request.user.is_authenticated:
            return True
        # Only multipart bodies carry files: others are left to the view (which may answer 404 or 415 first).
        # Outside the fail-open guard: a multipart body that cannot be parsed is the client's 400, not an outage.
        if not (request.content_type or "").startswith("multipart/") or not request.FILES:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def upload_throttle_wait(request) -> int | None:
    """For pages: None if this request's uploads may go ahead (they are counted), else the seconds to wait."""
    throttle = UploadRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def upload_throttle_message(wait: int) -> str:
    return f"You have uploaded a lot of photos in a short time. Please wait {wait} seconds and try again."
