"""Request bodies as Gavel takes them: the one JSON reader for the API (a DRF parser, in settings) and for anything
that reads a JSON body itself (the card webhook), and the API's form parsers.

Beyond what the json module checks, a body is refused when it
- nests deeper than JSON_MAX_DEPTH (no Gavel body is deeper than a handful of levels; a thousand levels used to
  exhaust the parser's recursion and answer 500);
- holds a text with a NUL character (PostgreSQL cannot store U+0000 in text or jsonb) or an unpaired surrogate
  (it cannot be encoded as UTF-8), as a value or as a key;
- holds NaN, Infinity or a number too large for a float (1e400): they are not JSON, and no amount or
  measurement can be one.
Integers with more than 4,300 digits are refused by Python itself (a ValueError, like any malformed body).
"""

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

JSON_MAX_DEPTH = 32
NUL_MESSAGE = gettext_lazy("Remove the NUL character (U+0000): it is not text and cannot be stored.")
SURROGATE_MESSAGE = gettext_lazy(
    "Remove the unpaired surrogate (U+D800 to U+DFFF): it is not text and cannot be stored.")


class JSONRefused(ValueError):
    """The body is well-formed JSON that Gavel does not take. `path` names the value ("items.x.note"), if one."""

    def __init__(self, message: str, path: str | None = None):
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def _no_constants(name: str):
    raise JSONRefused(_("%(name)s is not a number Gavel takes (not JSON).") % {"name": name})


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONRefused(_("The number %(number)s is too large.") % {"number": text[:40]})
    return value


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as text, or None."""
    if "\x00" in text:
        return str(NUL_MESSAGE)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return str(SURROGATE_MESSAGE)
    return None


def _check(value) -> None:
    """Walk the parsed value without recursion: its depth and every text in it."""
    pending = [(value, 1, "")]
    while pending:
        node, depth, path = pending.pop()
        if depth > JSON_MAX_DEPTH and isinstance(node, (dict, list)):
            raise JSONRefused(_("The JSON is nested deeper than %(depth)s levels.") % {"depth": JSON_MAX_DEPTH})
        if isinstance(node, dict):
            for key, item in node.items():
                child = f"{path}.{key}" if path else str(key)
                problem = text_problem(key)
                if problem:
                    raise JSONRefused(problem, path or "(a field name)")
                pending.append((item, depth + 1, child))
        elif isinstance(node, list):
            pending.extend((item, depth + 1, f"{path}.{index}" if path else str(index))
                           for index, item in enumerate(node))
        elif isinstance(node, str):
            problem = text_problem(node)
            if problem:
                raise JSONRefused(problem, path or None)


def json_loads(data: bytes | str):
    """Parse a JSON body as Gavel takes it (see the module). Raises ValueError (JSONRefused for the rules above)."""
    try:
        value = json.loads(data, parse_constant=_no_constants, parse_float=_finite_float)
    except RecursionError:
        raise JSONRefused(_("The JSON is nested deeper than %(depth)s levels.") % {"depth": JSON_MAX_DEPTH}) from None
    _check(value)
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on json_loads: a refused text names its field; anything else is a parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            return json_loads(stream.read().decode(encoding))
        except JSONRefused as exc:
            if exc.path is not None:
                raise ValidationError({exc.path: [exc.message]}) from None
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc.message}) from None
        except (ValueError, LookupError) as exc:  # malformed, not in its encoding, an integer of > 4,300 digits
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None


def _check_form(data) -> None:
    """A NUL in a form field's name or value (PostgreSQL cannot store it): refused, naming the field."""
    for name, values in data.lists():
        if "\x00" in name or any(isinstance(value, str) and "\x00" in value for value in values):
            raise ValidationError({name.replace("\x00", "\\0"): [str(NUL_MESSAGE)]})


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing a NUL in any field (pages: core.middleware.TextInputMiddleware)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing a NUL in any text field (file contents are the files' business)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _check_form(parsed.data)
        return parsed
