from django import template

from marketplace.models import Listing

register = template.Library()

_TONES = {
    Listing.Status.DRAFT: "",
    Listing.Status.SUBMITTED: "badge-warn",
    Listing.Status.INSPECTION_SCHEDULED: "badge-warn",
    Listing.Status.INSPECTED: "badge-warn",
    Listing.Status.APPROVED: "badge-ok",
    Listing.Status.IN_AUCTION: "badge-grade",
    Listing.Status.SOLD: "badge-ok",
    Listing.Status.UNSOLD: "",
    Listing.Status.REJECTED: "badge-err",
    Listing.Status.WITHDRAWN: "",
}


@register.filter
def status_badge(status) -> str:
    """CSS class of the badge for a listing status: {{ listing.status|status_badge }}"""
    return _TONES.get(status, "")


@register.filter
def status_label(status) -> str:
    """Human name of a status value, e.g. for audit rows: {{ row.to_state|status_label }}"""
    try:
        return Listing.Status(status).label
    except ValueError:
        return status
