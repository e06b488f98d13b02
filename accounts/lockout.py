"""Answers for clients that failed to log in too often (django-axes)."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext


def username_from(request, credentials=None) -> str | None:
    """Emails are case-insensitive logins, so count failures per lower-cased address."""
    credentials = credentials or {}
    # django-axes names the field after USERNAME_FIELD ("email"); Django's signal calls it "username".
    value = credentials.get("username") or credentials.get("email")
    if value is None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username") or data.get("email")
    return value.strip().lower() if isinstance(value, str) else None


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def lockout_response(request, original_response=None, credentials=None):
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    detail = gettext("Too many failed logins. Try again in %(minutes)s minutes, or reset your password.") % {
        "minutes": minutes}
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"code": "locked_out", "detail": detail,
                                 "retry_after_seconds": minutes * 60}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
