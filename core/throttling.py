"""DRF throttles backed by the shared cache (Redis) that fail open: if Redis is briefly away,
requests go on (and the outage is logged) rather than failing with a 500."""

import logging

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle

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
