"""Reading the environment, typed: every value Gavel takes from the environment goes through one of these.

Each reader returns the default when the variable is unset or empty, and otherwise parses the value strictly:
anything it cannot read refuses to start with ImproperlyConfigured naming the variable, what it expects and
what it got (`GAVEL_SOFT_CLOSE_SECONDS must be a duration ≥ 1 second, not '-5'`). Nothing here reads Django's
settings, so the settings modules can use it while they are being loaded.

`aliases` are older names of a variable still accepted (the new name wins when both are set); they are listed
in the README's Configuration section.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Literal, TypeVar

from django.core.exceptions import ImproperlyConfigured

from core.datafile import DataFileInvalid, json_document_parse
from core.money import AMOUNT_MAX_MINOR, MINOR_DIGITS
from core.ratelimit import rate_parse

T = TypeVar("T")
Unit = Literal["seconds", "minutes", "hours", "days"]

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
# What a duration may be written in: a whole number, with or without a unit (without: the unit of the name).
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_SUFFIXES = {"s": "seconds", "sec": "seconds", "min": "minutes", "m": "minutes", "h": "hours", "hour": "hours",
             "hours": "hours", "d": "days", "day": "days", "days": "days"}
_DURATION = re.compile(r"\s*(?P<count>[+-]?\d+)\s*(?P<unit>[a-z]*)\s*")


class EnvironmentInvalid(ImproperlyConfigured):
    """One variable of the environment cannot be used; the message names it."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{name} {message}")


def _read(name: str, aliases: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(the name that was set, its raw value); ('', '') when neither the name nor an alias is set."""
    environ = os.environ if environ is None else environ
    for candidate in (name, *aliases):
        raw = environ.get(candidate)
        if raw is not None and raw.strip() != "":
            return candidate, raw
    return "", ""


def env_str(name: str, default: str = "", *, aliases: Sequence[str] = ()) -> str:
    found, raw = _read(name, aliases)
    return raw if found else default


def env_bool(name: str, default: bool, *, aliases: Sequence[str] = ()) -> bool:
    found, raw = _read(name, aliases)
    if not found:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise EnvironmentInvalid(found, f"must be a boolean (1/0, true/false, yes/no, on/off), not {raw!r}")


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" ≥ {minimum}"
    if maximum is not None:
        return f" ≤ {maximum}"
    return ""


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None,
            aliases: Sequence[str] = ()) -> int:
    found, raw = _read(name, aliases)
    if not found:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise EnvironmentInvalid(found, f"must be a whole number{_bounds(minimum, maximum)}, not {raw!r}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise EnvironmentInvalid(found, f"must be a whole number{_bounds(minimum, maximum)}, not {value}")
    return value


def env_list(name: str, default: list[str], *, aliases: Sequence[str] = ()) -> list[str]:
    """Comma-separated; blanks around items and empty items are dropped."""
    found, raw = _read(name, aliases)
    if not found:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: Sequence[str], *, aliases: Sequence[str] = ()) -> str:
    found, raw = _read(name, aliases)
    if not found:
        return default
    value = raw.strip()
    if value not in choices:
        raise EnvironmentInvalid(found, f"must be one of {', '.join(choices)}, not {raw!r}")
    return value


def env_money_minor(name: str, default: int, *, minimum: int = 0, aliases: Sequence[str] = ()) -> int:
    """An amount in minor units of GAVEL_CURRENCY (cents for EUR): a whole number, never a decimal, at most
    core.money.AMOUNT_MAX_MINOR (the largest amount Gavel takes from anyone)."""
    found, raw = _read(name, aliases)
    if not found:
        return default
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d[\d_]*", text):
        raise EnvironmentInvalid(found, f"must be an amount in minor units (a whole number, e.g. 5000000 for "
                                        f"50,000.00), not {raw!r}")
    value = int(text)
    if not minimum <= value <= AMOUNT_MAX_MINOR:
        raise EnvironmentInvalid(found, f"must be an amount in minor units from {minimum} to {AMOUNT_MAX_MINOR}, "
                                        f"not {value}")
    return value


def duration_parse(raw: str, *, unit: Unit) -> timedelta:
    """'90' (in `unit`), '90s', '2min', '1h', '3d' -> timedelta; ValueError otherwise."""
    match = _DURATION.fullmatch(raw.lower())
    if not match:
        raise ValueError(raw)
    suffix = match["unit"]
    if suffix and suffix not in _SUFFIXES:
        raise ValueError(raw)
    seconds = int(match["count"]) * _UNIT_SECONDS[_SUFFIXES[suffix] if suffix else unit]
    return timedelta(seconds=seconds)


def env_duration(name: str, default: timedelta, *, unit: Unit, minimum: timedelta = timedelta(seconds=1),
                 aliases: Sequence[str] = ()) -> timedelta:
    """A positive duration (at least `minimum`). A bare number counts in `unit`, the unit the variable's name
    says (GAVEL_SECOND_CHANCE_HOURS=24); a number with a unit (s, min, h, d) says its own."""
    found, raw = _read(name, aliases)
    if not found:
        return default
    try:
        value = duration_parse(raw, unit=unit)
    except ValueError:
        raise EnvironmentInvalid(found, f"must be a duration: a whole number of {unit}, or a number with s, min, "
                                        f"h or d, not {raw!r}") from None
    if value < minimum:
        raise EnvironmentInvalid(found, f"must be a duration of at least {_describe(minimum)}, not {raw!r}")
    return value


def env_duration_count(name: str, default: int, *, unit: Unit, minimum: int = 1,
                       aliases: Sequence[str] = ()) -> int:
    """The same duration as a whole number of `unit` (what the code reads: GAVEL_SOFT_CLOSE_SECONDS = 120)."""
    per_unit = _UNIT_SECONDS[unit]
    value = env_duration(name, timedelta(seconds=default * per_unit), unit=unit,
                         minimum=timedelta(seconds=minimum * per_unit), aliases=aliases)
    seconds = int(value.total_seconds())
    if seconds % per_unit:
        found, raw = _read(name, aliases)
        raise EnvironmentInvalid(found, f"must be a whole number of {unit}, not {raw!r}")
    return seconds // per_unit


def _describe(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit in ("days", "hours", "minutes"):
        if seconds and seconds % _UNIT_SECONDS[unit] == 0:
            count = seconds // _UNIT_SECONDS[unit]
            return f"{count} {unit if count != 1 else unit.removesuffix('s')}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def env_json(name: str, default: T, *, aliases: Sequence[str] = ()) -> object | T:
    """JSON, strictly (core.datafile): no duplicate keys, no NaN. The caller checks the shape."""
    found, raw = _read(name, aliases)
    if not found:
        return default
    try:
        return json_document_parse(raw, source=found)
    except DataFileInvalid as exc:
        raise EnvironmentInvalid(found, f"is {exc.message}") from None


def env_rate(name: str, default: str, *, aliases: Sequence[str] = ()) -> str:
    """A rate limit, '<n>/<s|min|hour|day>' (core.ratelimit reads it at each request; here it is checked once)."""
    found, raw = _read(name, aliases)
    if not found:
        return default
    try:
        rate_parse(raw.strip())
    except ImproperlyConfigured:
        raise EnvironmentInvalid(found, f"must be a rate as '<n>/<s|min|hour|day>' (e.g. 30/min), not {raw!r}") \
            from None
    return raw.strip()


def env_currency(name: str, default: str, *, aliases: Sequence[str] = ()) -> str:
    """An ISO 4217 code that core.money knows the minor digits of."""
    found, raw = _read(name, aliases)
    if not found:
        return default
    code = raw.strip()
    if code not in MINOR_DIGITS:
        raise EnvironmentInvalid(found, f"must be a currency Gavel formats ({', '.join(sorted(MINOR_DIGITS))}), "
                                        f"not {raw!r}")
    return code
