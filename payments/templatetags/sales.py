from django import template

from payments.models import Sale

register = template.Library()

_TONES = {
    Sale.Status.AWAITING_PAYMENT: "badge-warn", Sale.Status.OVERDUE: "badge-err", Sale.Status.PAID: "badge-ok",
    Sale.Status.HANDED_OVER: "badge-ok", Sale.Status.PAID_OUT: "badge-ok", Sale.Status.COMPLETED: "badge-ok",
    Sale.Status.DISPUTED: "badge-err", Sale.Status.REFUNDED: "badge-warn", Sale.Status.CANCELLED: "",
}


@register.filter
def sale_badge(status) -> str:
    """CSS class of the badge for a sale status: {{ sale.status|sale_badge }}"""
    return _TONES.get(status, "")


@register.filter
def sale_status_label(status) -> str:
    try:
        return str(Sale.Status(status).label)
    except ValueError:
        return status
