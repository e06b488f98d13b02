"""How the insights figures read on a page: shares as whole per cent (the methods' rule), per-100 rates, days."""

from fractions import Fraction

from django import template

from core.money import Money
from insights.numbers import one_decimal, percent

register = template.Library()


@register.filter
def share_percent(value) -> str:
    """An exact share (a Fraction) as the methods show it: "98%" (never 100 % unless exact); "—" for none."""
    return "—" if value is None else f"{percent(value)}%"


@register.filter
def rate_text(rate) -> str:
    """A record `Rate`: "97% (29 of 30 sales)"; "—" when nothing was due yet."""
    if rate is None or rate.percent is None:
        return "—"
    return f"{rate.percent}% ({rate.count} of {rate.out_of} sale{'' if rate.out_of == 1 else 's'})"


@register.filter
def per_100_text(rate) -> str:
    if rate is None or rate.per_100 is None:
        return "—"
    return f"{rate.count} ({rate.per_100} per 100 sales)"


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
    return "—" if bp is None else f"{one_decimal(Fraction(bp, 100))}%"
