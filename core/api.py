"""DRF glue: every error leaves the API as JSON with a stable `code`, never a 500 for bad input."""

import copy
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError, Throttled

logger = logging.getLogger("gavel.refusals")


class OutputFieldsShared:
    """For an output serializer on a hot path (a bid's answer): each instance binds shallow copies of the declared
    fields instead of DRF's deep copies, which run every field's constructor again (two thirds of the time of a bid's
    answer). What the copies share — choices, formats, validators — is set when the class is declared and only read
    while serializing. A nested serializer is still deep-copied: it binds fields of its own."""

    _declared_fields: dict

    def get_fields(self):
        return {name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else _shallow(field)
                for name, field in self._declared_fields.items()}


def _shallow(field):
    """copy.copy of a field (an instance with its attributes in __dict__), without copy's generic protocol."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


def refusal_logged(response: Response, *, request, code: str) -> Response:
    """Log an expected refusal (a rule said no: a bid too low, a limit) at INFO, once: Django would log every 4xx
    as a WARNING, and on a hot auction nearly every bid is refused."""
    if request is not None:
        logger.info("%s %s refused: %s", request.method, request.path, code)
    # Django's own flag (django.utils.log.log_response), which django-stubs leave out.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def error_body(exc: ApplicationError) -> dict:
    """The one error body: `{"code", "detail", "fields"?}` (what every refusal answers, and what an idempotent
    bid keeps as its answer)."""
    body: dict[str, object] = {"code": exc.code, "detail": exc.message}
    if exc.fields:
        body["fields"] = exc.fields
    return body


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = error_body(exc)
        headers = None
        if isinstance(exc, Throttled):
            body["retry_after_seconds"] = exc.retry_after_seconds
            headers = {"Retry-After": str(exc.retry_after_seconds)}
        return refusal_logged(Response(body, status=exc.status_code, headers=headers), request=context.get("request"),
                              code=exc.code)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"code": "invalid", "detail": _("Some fields need attention."), "fields": fields}
    elif isinstance(exc, (Http404, exceptions.NotFound)):
        response.data = {"code": "not_found", "detail": _("Not found.")}
    elif isinstance(exc, (PermissionDenied, exceptions.PermissionDenied)):
        response.data = {"code": "permission_denied", "detail": str(response.data.get("detail", exc))}
    elif isinstance(exc, exceptions.APIException):
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"code": exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code,
                         "detail": str(detail)}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response.data["retry_after_seconds"] = int(exc.wait)
    return response


def form_errors_from(exc: ApplicationError, form) -> None:
    """Put a service's refusal onto a Django form, field by field where it can."""
    placed = False
    for name, messages in exc.fields.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
                placed = True
    if not placed:
        form.add_error(None, exc.message)
