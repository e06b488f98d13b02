"""How the insights figures read on a page: shares as whole per cent (the methods' rule), per-100 rates, days, and
the methods' sentences (insights.wording) in the reader's language."""

import re
from decimal import Decimal
from fractions import Fraction

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, pgettext

from core.money import Money
from insights.market import OTHERS
from insights.numbers import one_decimal, percent
from insights.wording import Wording

register = template.Library()

_FORMAT_SPEC = re.compile(r"{(\w+)(?:![rsa])?:[^{}]*}")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")


def _number(value: int | Decimal) -> str:
    return number_format(value, use_l10n=True, force_grouping=True)


def _param(value: object) -> object:
    if isinstance(value, Wording):
        return in_language(value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return _number(value)
    return value


@register.filter
def in_language(text) -> str:
    """A method's sentence (a Wording) in the active language; English — the Wording itself — where the catalogue
    has no translation. Numbers in it are written as the language writes them ("1,5 Tage")."""
    if not isinstance(text, Wording):
        return "" if text is None else str(text)
    translated = gettext(text.msgid)
    if translated == text.msgid:
        return str.__str__(text)
    # The English msgid may carry format specs ("{km:,}"); the parameters arrive already written out.
    return _FORMAT_SPEC.sub(r"{\1}", translated).format(**{name: _param(v) for name, v in text.params.items()})


@register.filter
def share_percent(value) -> str:
    """An exact share (a Fraction) as the methods show it: "98%" (never 100 % unless exact); "—" for none."""
    return "—" if value is None else gettext("%(percent)s%%") % {"percent": percent(value)}


@register.filter
def rate_text(rate) -> str:
    """A record `Rate`: "97% (29 of 30 sales)"; "—" when nothing was due yet."""
    if rate is None or rate.percent is None:
        return "—"
    return ngettext("%(percent)s%% (%(count)s of %(out_of)s sale)", "%(percent)s%% (%(count)s of %(out_of)s sales)",
                    rate.out_of) % {"percent": rate.percent, "count": rate.count, "out_of": rate.out_of}


@register.filter
def per_100_text(rate) -> str:
    if rate is None or rate.per_100 is None:
        return "—"
    return gettext("%(count)s (%(per_100)s per 100 sales)") % {"count": rate.count,
                                                                 "per_100": number_format(rate.per_100, use_l10n=True)}


@register.filter
def signed_money(amount_minor) -> str:
    """An adjustment: "+€1,200", "−€800", "€0"."""
    if amount_minor is None:
        return "—"
    text = Money.of(abs(amount_minor)).format(show_minor=False)
    return text if amount_minor == 0 else ("+" if amount_minor > 0 else "−") + text


@register.filter
def basis_points_percent(bp) -> str:
    """Basis points as a percentage with one decimal: 1840 -> "18.4%"."""
    if bp is None:
        return "—"
    return gettext("%(percent)s%%") % {"percent": number_format(one_decimal(Fraction(bp, 100)), use_l10n=True)}


@register.filter
def market_label(label: str) -> str:
    """A market row's band or name as the page shows it: "(others)" and "unknown mileage" translated, the digits of
    a mileage band grouped as the language groups them. The CSV and JSON keep the method's own labels."""
    if label == OTHERS:
        return pgettext("market data row", "(others)")
    if label == "unknown mileage":
        return gettext("unknown mileage")
    grouped = _GROUPED.sub(lambda m: _number(int(m.group().replace(",", ""))), label)
    if grouped.endswith(" km and more"):
        return gettext("%(km)s km and more") % {"km": grouped.removesuffix(" km and more")}
    return grouped


_RATES = {
    "mileage": (lambda: pgettext("price guide adjustment", "Mileage"),
                lambda amount: gettext("%(amount)s per 10,000 km") % {"amount": amount}),
    "year": (lambda: pgettext("price guide adjustment", "Year"),
             lambda amount: gettext("%(amount)s per year") % {"amount": amount}),
    "grade": (lambda: pgettext("price guide adjustment", "Grade"),
              lambda amount: gettext("%(amount)s per grade step") % {"amount": amount}),
}


@register.filter
def rate_name(rate) -> str:
    return _RATES[rate.name][0]()


@register.filter
def rate_amount(rate) -> str:
    """"€274 per 10,000 km", or "not used"."""
    if rate.amount_minor is None:
        return gettext("not used")
    return _RATES[rate.name][1](Money.of(rate.amount_minor).format(show_minor=False))
