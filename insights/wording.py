"""The sentences the methods write (a record's summary, an event on it, a price guide's note), kept pure.

The methods import no Django (tests/insights/test_purity.py), so they cannot translate. A sentence they write is a
`Wording`: a `str` whose value is the English text — what the methods' tests and docs/methods.md read — that also
carries its msgid (English with {named} fields) and the parameters, so a page can write it in its reader's language
(insights.templatetags.insights.in_language). A parameter is text, an int (a count: grouped as the language groups
digits), a Decimal (one decimal: the language's decimal mark) or another Wording.

`translatable(...)` is the name makemessages collects msgids by (core.management.commands.makemessages), the same
name as core.i18n.translatable, whose sentences are written later for someone else; these are written now."""

from __future__ import annotations

from collections.abc import Mapping


class Wording(str):
    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Wording:
        wording = super().__new__(cls, msgid.format(**params))
        wording.msgid = msgid
        wording.params = params
        return wording

    def __reduce__(self):
        return (_rebuild, (self.msgid, dict(self.params)))


def _rebuild(msgid: str, params: dict[str, object]) -> Wording:
    return Wording(msgid, **params)


def translatable(msgid: str, /, **params: object) -> Wording:
    """`msgid` (English, {named} fields, format specs allowed: "{km:,}") filled in with `params`."""
    return Wording(msgid, **params)
