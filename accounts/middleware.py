"""Two-factor before anything else (accounts.security).

For a signed-in session:
- a user with a device whose session has not passed the code step (signed in through another door, such as the
  admin's login page) is sent to the code step;
- staff and dealer organisation owners without a device are sent to set it up (GAVEL_2FA_REQUIRED).
Only the allow-list below answers meanwhile. API calls with a key or token are not sessions: they are unchanged
(keys are scoped; docs/security.md). An API call on a session gets a 403 with the reason instead of a redirect.
"""

from django.conf import settings
from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

from accounts.security import two_factor_required
from core.middleware import database_unavailable_response

# The pages a session may reach before its second factor: set-up, the code step, logging out, static files, and
# the emailed verification link (it only marks the address verified).
ALLOWED_URL_NAMES = ("accounts:two_factor_setup", "accounts:two_factor_verify", "accounts:logout")
ALLOWED_PREFIXES = ("/accounts/verify-email/",)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refusal = self._refusal(request)  # reads the session's user: the database's first use in a request
        except OperationalError as exc:
            unavailable = database_unavailable_response(request, exc)
            if unavailable is None:
                raise
            return unavailable
        return refusal if refusal is not None else self.get_response(request)

    def _refusal(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        path = request.path_info
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")) or path.startswith(ALLOWED_PREFIXES):
            return None
        if path in {reverse(name) for name in ALLOWED_URL_NAMES}:
            return None
        if user.two_factor_enabled:
            if user.is_verified():
                return None
            return self._answer(request, "accounts:two_factor_verify",
                                gettext("Enter the code from your authenticator app first."), "two_factor_code_needed")
        if settings.GAVEL_2FA_REQUIRED and two_factor_required(user):
            return self._answer(request, "accounts:two_factor_setup",
                                gettext("Set up two-factor sign-in first: Gavel requires it of staff and dealer "
                                        "organisation owners."), "two_factor_setup_needed")
        return None

    @staticmethod
    def _answer(request, url_name: str, detail: str, code: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": detail, "code": code}, status=403)
        return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")
