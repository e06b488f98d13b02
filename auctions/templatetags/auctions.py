from django import template
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from auctions.models import bidder_label_shown as _bidder_label_shown
from core.money import Money
from payments.selectors import all_in_price_in_force

register = template.Library()

_MY_STATE = {
    "leading": ("badge-ok", _("You lead")),
    "outbid": ("badge-err", _("Outbid")),
    "not_bidding": ("", _("Not bidding")),
}
_OUTCOME = {
    "sold": ("badge-ok", _("Sold")),
    "awaiting_seller": ("badge-warn", _("Awaiting seller")),
    "no_bids": ("", _("No bids")),
    "unsold": ("", _("Not sold")),
    "cancelled": ("badge-err", _("Cancelled")),
}


@register.filter
def my_state_badge(state) -> str:
    return _MY_STATE.get(state, ("", ""))[0]


@register.filter
def my_state_label(state) -> str:
    return str(_MY_STATE.get(state, ("", ""))[1])


@register.filter
def outcome_badge(outcome) -> str:
    return _OUTCOME.get(outcome, ("", ""))[0]


@register.filter
def bidder_label_shown(label) -> str:
    """A bidder's anonymous name ("Dealer 3") in the reader's language."""
    return _bidder_label_shown(label)


@register.filter
def cover_of(listing):
    """The cover photo from the `cover_photos` prefetch (or the first photo)."""
    covers = getattr(listing, "cover_photos", None)
    if covers:
        return covers[0]
    photos = list(listing.photos.all()) if covers is None else []
    return next((p for p in photos if p.is_cover), photos[0] if photos else None)


@register.filter
def all_in(amount_minor, currency=None):
    """What a dealer pays in all if the hammer falls at this amount: the amount plus the buyer fee on it, from the
    published fee schedule in force (payments.selectors.all_in_price_in_force): "€15,299 all in"."""
    if amount_minor is None or amount_minor == "" or isinstance(amount_minor, bool):
        return ""
    try:
        amount = Money.of(int(amount_minor), currency or None)
        if amount.amount_minor <= 0:
            return ""
        total = all_in_price_in_force(amount)
    except (TypeError, ValueError):
        return ""
    return gettext("%(amount)s all in") % {"amount": total.format(show_minor=bool(total.amount_minor % 100))}
