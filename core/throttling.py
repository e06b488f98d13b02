"""DRF throttles backed by the shared cache (Redis) that fail open: if Redis is briefly away,
requests go on (and the outage is logged) rather than failing with a 500."""

import logging

from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _FailOpen:
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
