"""Middleware that answers for the whole site: a clear 503 while the database is unreachable (instead of a 500
page), a clear 400 for a request whose text cannot be stored, and the site's own 404 page in development too,
and a signed-in user's own language."""

import logging

from django.conf import settings
from django.db import OperationalError, connections
from django.http import Http404, HttpResponse, HttpResponseNotFound, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.defaults import page_not_found

from core.i18n import language_valid
from core.parsers import NUL_MESSAGE

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
        return database_unavailable_response(request, exception)


def database_unavailable_response(request, exception: Exception) -> HttpResponse | None:
    """The 503 for a request that failed because the database is unreachable; None for any other failure. Views'
    exceptions reach it through DatabaseUnavailableMiddleware; a middleware that reads the database before the view
    (the session's user, accounts.middleware) calls it itself."""
    if not isinstance(exception, OperationalError) or not _database_unreachable():
        return None
    logger.error("database unavailable while serving %s: %s", request.path, exception)
    connections["default"].close_if_unusable_or_obsolete()
    detail = translation.gettext("Gavel is briefly unavailable. Nothing was changed; please try again in a moment.")
    if wants_json(request):
        response: HttpResponse = JsonResponse({"code": "service_unavailable", "detail": detail}, status=503)
    else:
        # No request context: its processors would ask the (unreachable) database who the user is.
        response = HttpResponse(loader.get_template("503.html").render({"detail": detail}), status=503)
    response["Retry-After"] = "30"
    return response


def wants_json(request) -> bool:
    """An API client (or a page's script asking for JSON) gets the one JSON error body; a browser gets a page."""
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


class TextInputMiddleware:
    """Refuses, before anything reads it, a request whose text cannot be stored or read: a NUL character (U+0000,
    which PostgreSQL refuses in text, and no person types) in the path, the query string, a header or a page's
    form field (name or value), or a page's form body that cannot be parsed. 400 with the one error body (JSON
    for the API, a page for browsers); nothing of the request runs. The API's bodies (JSON and forms) are checked
    by its parsers (core.parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            problem = self._problem(request)
        except MultiPartParserError as exc:
            return _bad_request(request, "parse_error",
                                translation.gettext("The form data could not be read: %(error)s") % {"error": exc}, {})
        if problem is not None:
            return _bad_request(request, "invalid", str(NUL_MESSAGE), {problem: [str(NUL_MESSAGE)]})
        return self.get_response(request)

    @staticmethod
    def _problem(request) -> str | None:
        """The name of the part of the request that holds a NUL, or None."""
        if "\x00" in request.path:
            return "path"
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "\\0")
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
                return key[5:].replace("_", "-").title()
        # Pages' forms. The API's bodies are its parsers' (core.parsers), and it has a view that reads the raw body.
        if request.method == "POST" and not request.path.startswith("/api/") and request.content_type in (
                "multipart/form-data", "application/x-www-form-urlencoded"):
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return name.replace("\x00", "\\0")
        return None


def _bad_request(request, code: str, detail: str, fields: dict):
    logger.info("refused %s %s: %s %s", request.method, request.path.replace("\x00", "\\0"), code, list(fields))
    if wants_json(request):
        body: dict[str, object] = {"code": code, "detail": detail}
        if fields:
            body["fields"] = fields
        return JsonResponse(body, status=400)
    return render(request, "400.html", {"detail": detail}, status=400)


class NotFoundPageMiddleware:
    """With DEBUG on, Django answers every Http404 with its technical page (the URL patterns, the view's
    exception): useful to a developer who asks for it (GAVEL_DEBUG_404=1), confusing to someone trying Gavel
    out with `make run`. Otherwise the site's own 404 page, as in production. The technical page is the one
    404 that comes as a bare HttpResponseNotFound (Django's response to an Http404; the API's are DRF responses,
    Gavel's views raise Http404)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (settings.DEBUG and not settings.GAVEL_DEBUG_404 and response.status_code == 404
                and type(response) is HttpResponseNotFound):
            return page_not_found(request, Http404())
        return response


class UserLanguageMiddleware:
    """A signed-in user's own language (accounts.User.language, set by the language switcher) wins over the
    switcher's cookie and the browser's Accept-Language that LocaleMiddleware went by. After the authentication
    middleware; API requests authenticated by token are answered in the Accept-Language's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        try:
            # Reads the session's user: the database's first use in a request (the outage's 503 as in a view).
            language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        except OperationalError as exc:
            unavailable = database_unavailable_response(request, exc)
            if unavailable is None:
                raise
            return unavailable
        if language_valid(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
