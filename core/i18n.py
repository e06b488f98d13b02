"""Gavel in its reader's language.

Pages answer in the request's language (django.middleware.locale.LocaleMiddleware, then a signed-in user's own
choice: core.middleware.UserLanguageMiddleware). What is written to someone later — a notification, an email —
is written in *their* language, whoever's request caused it: `in_language_of(user)` around the rendering, and
`translatable(...)` for a sentence that is composed now and written later (it crosses a transaction commit, the
outbox or a Celery task as plain JSON and is translated where it is told: core.notifications.notify).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation

from core.money import Money

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)

# A translatable sentence as JSON: {"msgid": ..., "params": {...}}; a Money parameter as
# {"money": ..., "currency": ...}, a date as {"date": "2026-12-01"}, a moment as {"datetime": "...+00:00"}
Translatable = dict[str, Any]


def language_valid(code: str) -> bool:
    return code in LANGUAGE_CODES


def user_language(user) -> str:
    """The language to write to `user` in: their own choice, else the site's default."""
    code = getattr(user, "language", "") or ""
    return code if code in LANGUAGE_CODES else settings.LANGUAGE_CODE


@contextmanager
def in_language_of(user) -> Iterator[None]:
    with translation.override(user_language(user)):
        yield


def translatable(msgid: str, /, **params: object) -> Translatable:
    """A sentence to be written later in its reader's language. `msgid` is the English text with {named} fields;
    `params` are text, numbers, Money, dates and datetimes (formatted in the reader's language: 12.500,00 €,
    1. Dezember 2026) or other translatables.
    makemessages collects the msgid (core.management.commands.makemessages adds this function as a keyword)."""
    return {"msgid": msgid, "params": {name: _param(value) for name, value in params.items()}}


def money_whole(amount_minor: int, currency: str | None = None) -> Translatable:
    """A Money parameter shown without minor digits when they are zero (Money.format(show_minor=False)): €12,500."""
    money = Money.of(amount_minor, currency)
    return {"money": money.amount_minor, "currency": money.currency, "whole": True}


def moment(value: datetime, /, date_format: str = "DATETIME_FORMAT") -> Translatable:
    """A moment as a parameter in a format of one's own: `date_format` is a named format (DATETIME_FORMAT…) or a
    date-format string that is itself a msgid (mark it with gettext_noop), so each language orders it its own way
    ("D j M, H:i" → "D, j. M, H:i"). A datetime given as it is reads as DATETIME_FORMAT."""
    return {"datetime": value.isoformat(), "format": date_format}


def moment_text(value: datetime, date_format: str = "DATETIME_FORMAT") -> str:
    """`value` in the active language and the site's time zone (see moment())."""
    named = date_format.isupper() and date_format.endswith("_FORMAT")
    return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value,
                               date_format if named else translation.gettext(date_format))


def _param(value: object) -> object:
    if isinstance(value, Money):
        return {"money": value.amount_minor, "currency": value.currency}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, dict) or isinstance(value, (int, str)) or value is None:
        return value
    return str(value)


def _rendered_param(value: object) -> object:
    if isinstance(value, dict):
        if "money" in value:
            return Money(int(value["money"]), str(value["currency"])).format(show_minor=not value.get("whole"))
        if "datetime" in value:
            return moment_text(datetime.fromisoformat(value["datetime"]), value.get("format", "DATETIME_FORMAT"))
        if "date" in value:
            return formats.date_format(date.fromisoformat(value["date"]), "DATE_FORMAT")
        return render(value)
    return "" if value is None else value


def render(text: str | Translatable) -> str:
    """`text` in the active language: a plain string as it is, a translatable translated and filled in."""
    if isinstance(text, str):
        return text
    params = {name: _rendered_param(value) for name, value in text.get("params", {}).items()}
    sentence = translation.gettext(text["msgid"])
    # "{km:,}": a number grouped the reader's way (120.000 km in German), not Python's English commas.
    for name in _GROUPED.findall(sentence):
        number = params.get(name)
        if isinstance(number, int):
            params[name] = formats.number_format(number, force_grouping=True)
    return _GROUPED.sub(r"{\1}", sentence).format(**params)


_GROUPED = re.compile(r"{(\w+):,}")
