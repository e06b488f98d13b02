"""The rate limits at Gavel's doors, all counted by core.ratelimit (atomic in Redis, failing open).

DRF views name a throttle class below; pages ask the same counters through the functions at the end, so the
API and the pages of one door share one limit. Rates are read from settings on every request.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from core.exceptions import Throttled
from core.ratelimit import rate_limit_hit


def client_ip(request) -> str:
    """The client's address: X-Real-IP when Gavel runs behind its proxy (which overwrites that header,
    deploy/nginx.conf), else the peer address. The per-address limits key on it."""
    if settings.TRUST_X_REAL_IP and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"].strip()
    return request.META.get("REMOTE_ADDR", "")


class RateThrottle(BaseThrottle):
    """A DRF throttle over one core.ratelimit counter: `scope`, the rate setting it reads, whom it counts."""

    scope: str
    rate_setting: str

    def ident(self, request) -> str:
        return client_ip(request)

    def counts(self, request) -> bool:
        """Only writes count: reading is never limited."""
        return request.method == "POST"

    def allow_request(self, request, view):
        self.retry_after = None
        if not self.counts(request):
            return True
        result = rate_limit_hit(scope=self.scope, ident=self.ident(request), rate=getattr(settings, self.rate_setting))
        self.retry_after = result.retry_after_seconds
        return result.allowed

    def wait(self):
        return self.retry_after


class LoginRateThrottle(RateThrottle):
    """Token logins per client address (GAVEL_LOGIN_RATE); failed logins also lock out (django-axes)."""

    scope = "login"
    rate_setting = "GAVEL_LOGIN_RATE"


class SignupRateThrottle(RateThrottle):
    """API sign-ups per client address (GAVEL_SIGNUP_RATE)."""

    scope = "signup"
    rate_setting = "GAVEL_SIGNUP_RATE"


class UploadRateThrottle(RateThrottle):
    """Per-user limit on requests that carry files (photos), settings.GAVEL_UPLOAD_RATE: every file is decoded
    and re-encoded four times, so uploads are the costliest requests there are. The API views and the pages
    (upload_throttle_wait) count against one counter per user; requests without files do not count."""

    scope = "uploads"
    rate_setting = "GAVEL_UPLOAD_RATE"

    def ident(self, request) -> str:
        return str(request.user.pk)

    def counts(self, request) -> bool:
        if request.method != "POST" or not request.user.is_authenticated:
            return False
        # Only multipart bodies carry files: others are left to the view (which may answer 404 or 415 first).
        return (request.content_type or "").startswith("multipart/") and bool(request.FILES)


def upload_throttle_wait(request) -> int | None:
    """For pages: None if this request's uploads may go ahead (they are counted), else the seconds to wait."""
    throttle = UploadRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return throttle.wait()


def upload_throttle_message(wait: int) -> str:
    return _("You have uploaded a lot of photos in a short time. Please wait %(seconds)s seconds and try again.") % {
        "seconds": wait}


def signup_page_rate_limit(request) -> None:
    """Page sign-ups per client address (GAVEL_SIGNUP_PAGE_RATE); raises Throttled beyond it."""
    result = rate_limit_hit(scope="signup_page", ident=client_ip(request), rate=settings.GAVEL_SIGNUP_PAGE_RATE)
    if not result.allowed:
        raise Throttled(_("Too many sign-ups from your network. Please wait a while and try again."),
                        retry_after_seconds=result.retry_after_seconds)
