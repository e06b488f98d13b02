"""When the database is unreachable, answer 503 with a clear message instead of a 500 page."""

import logging

from django.db import OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)


def _database_unreachable() -> bool:
    """A connection-level failure (server down, refused, reset): not a query error of ours."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return True
    return False


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError) or not _database_unreachable():
            return None
        logger.error("database unavailable while serving %s: %s", request.path, exception)
        connections["default"].close_if_unusable_or_obsolete()
        detail = "Gavel is briefly unavailable. Nothing was changed; please try again in a moment."
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"code": "service_unavailable", "detail": detail}, status=503)
        else:
            # No request context: its processors would ask the (unreachable) database who the user is.
            response = HttpResponse(loader.get_template("503.html").render({"detail": detail}), status=503)
        response["Retry-After"] = "30"
        return response
