from django import template

from marketplace.models import Listing

register = template.Library()


@register.filter
def status_label(status) -> str:
    """Human name of a status value, e.g. for audit rows: {{ row.to_state|status_label }}"""
    try:
        return str(Listing.Status(status).label)
    except ValueError:
        return status
