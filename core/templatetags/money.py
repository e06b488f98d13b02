from django import template

from core.money import Money

register = template.Library()


@register.filter
def money(amount_minor, currency=None):
    """Format integer minor units: {{ listing.reserve_minor|money }} -> €12,500.00"""
    if amount_minor is None or amount_minor == "":
        return "—"
    try:
        return Money.of(int(amount_minor), currency or None).format()
    except (TypeError, ValueError):
        return "—"


@register.filter
def money_whole(amount_minor, currency=None):
    """Like `money`, without the minor digits when they are zero: €12,500"""
    if amount_minor is None or amount_minor == "":
        return "—"
    try:
        return Money.of(int(amount_minor), currency or None).format(show_minor=False)
    except (TypeError, ValueError):
        return "—"
