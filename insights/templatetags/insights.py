"""How the insights figures read on a page: shares as whole per cent (the methods' rule), per-100 rates, days."""

from django import template

from insights.numbers import percent

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
