"""Reading published data files (fee schedules, repair-cost tables) strictly.

A data file that decides money is read as exactly what it says or not at all: duplicate keys, NaN, floats where
an integer belongs, a missing or an unknown field each refuse the whole file with a message naming the file and
the field, e.g. `fees-v1.json: currencies.EUR.buyer_fee_bands[2].flat_minor: must be a whole number ≥ 0`.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import NoReturn


class DataFileInvalid(Exception):
    """The file is broken: the app refuses to use it."""

    def __init__(self, source: str, field: str, message: str):
        self.source, self.field, self.message = source, field, message
        super().__init__(f"{source}: {field}: {message}" if field else f"{source}: {message}")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number")


def json_document_parse(text: str, *, source: str, error: type[DataFileInvalid] = DataFileInvalid) -> object:
    """JSON, refusing duplicate keys (the last would silently win) and NaN/Infinity."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        raise error(source, "", f"not valid JSON: {exc}")


def json_document_read(path: Path, *, error: type[DataFileInvalid] = DataFileInvalid) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path.name, "", "no such file")
    return json_document_parse(text, source=path.name, error=error)


class Reader:
    """Typed access to a parsed document; every refusal names `source` and the field's path."""

    def __init__(self, source: str, error: type[DataFileInvalid] = DataFileInvalid):
        self.source, self.error = source, error

    def fail(self, field: str, message: str) -> NoReturn:
        raise self.error(self.source, field, message)

    def object(self, value, field: str, *, required=(), optional=()) -> dict:
        """A JSON object with all of `required`, any of `optional` and nothing else."""
        if not isinstance(value, dict):
            self.fail(field, "must be an object")
        missing = [name for name in required if name not in value]
        if missing:
            self.fail(field, f"missing {', '.join(missing)}")
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            self.fail(field, f"unknown field(s) {', '.join(unknown)}")
        return value

    def mapping(self, value, field: str) -> dict:
        """A JSON object whose keys are data (currency codes, item keys), checked by the caller."""
        if not isinstance(value, dict) or not value:
            self.fail(field, "must be a non-empty object")
        return value

    def items(self, value, field: str) -> list:
        if not isinstance(value, list) or not value:
            self.fail(field, "must be a non-empty list")
        return value

    def integer(self, value, field: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        # bool is an int in Python and 1.0 is not an int in JSON terms: both are refused.
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, "must be a whole number" + (f" ≥ {minimum}" if minimum is not None else ""))
        if minimum is not None and value < minimum:
            self.fail(field, f"must be a whole number ≥ {minimum}, not {value}")
        if maximum is not None and value > maximum:
            self.fail(field, f"must be at most {maximum}, not {value}")
        return value

    def text(self, value, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(field, "must be non-empty text")
        return value.strip()

    def iso_date(self, value, field: str) -> date:
        text = self.text(value, field)
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.fail(field, f"must be a date as YYYY-MM-DD, not {value!r}")
