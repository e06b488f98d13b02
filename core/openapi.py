"""The OpenAPI schema's view of errors: every operation documents the refusals it can answer with.

Views declare their success responses (and any unusual error) with `@extend_schema`; the error responses
every API view shares follow from how the view is built, so they are added here rather than repeated on
each view, and they always carry the one error body core.api.exception_handler produces.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

ERROR_DESCRIPTIONS = {
    "400": _("Invalid input (in the body, the query or a header: a NUL character is refused everywhere), or a "
           "business rule refused the request (see `code` and `fields`)."),
    "401": _("No credentials, or an invalid token."),
    "403": _("Signed in, but this role or account may not do this (see `code`)."),
    "404": _("No such object, or not one this user may see; for lists, a page past the end."),
    "409": _("The object is not in a state that allows this (see `code`)."),
    "415": _("The body's content type is not one this operation reads, or its multipart boundary is broken."),
    "429": _("Too many requests: wait `retry_after_seconds` (also in the Retry-After header)."),
}


class ErrorOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Machine-readable and stable: invalid, not_found, bid_too_low, …"))
    detail = serializers.CharField(help_text=_("A sentence for people."))
    # DRF's serializer metaclass takes declared fields off the class, so `fields` stays Serializer.fields at run
    # time; the stubs cannot see the metaclass.
    fields = serializers.DictField(child=serializers.JSONField(), required=False,  # type: ignore[assignment]
                                   help_text=_("Field name -> messages, when particular fields were refused."))
    retry_after_seconds = serializers.IntegerField(required=False, help_text=_("On 429 answers."))


class GavelAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        # Every request can be refused as invalid input: core.middleware.TextInputMiddleware answers a NUL in any
        # query string or header with 400 before any view runs.
        codes = ["400"]
        if not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        if "{" in self.path or (self.method == "GET" and self._is_list_view() and self._get_paginator()):
            codes.append("404")
        if self.method in UNSAFE_METHODS and "{" in self.path:
            codes.append("409")
        # A body DRF's parsers cannot read as the declared content type (e.g. multipart with a broken boundary).
        if self.method in UNSAFE_METHODS:
            codes.append("415")
        # Gavel's throttles count writes only; a view limited by a policy of its own names its methods.
        if (self.method in UNSAFE_METHODS and self.view.get_throttles()) or \
                self.method in getattr(self.view, "rate_limited_methods", ()):
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        declared_errors = [code for code in responses if code.startswith("4")]
        for code in sorted({*self._error_codes(), *declared_errors}):
            declared = responses.get(code, {})
            if "content" in declared:
                continue
            description = declared.get("description")
            if description in (None, "", "No response body"):
                description = ERROR_DESCRIPTIONS.get(code, _("Refused (see `code`)."))
            responses[code] = {**self._get_response_for_code(ErrorOutputSerializer, code, direction=direction),
                               "description": description}
        return dict(sorted(responses.items()))
