from django import template

register = template.Library()

_MY_STATE = {
    "leading": ("badge-ok", "You lead"),
    "outbid": ("badge-err", "Outbid"),
    "not_bidding": ("", "Not bidding"),
}
_OUTCOME = {
    "sold": ("badge-ok", "Sold"),
    "awaiting_seller": ("badge-warn", "Awaiting seller"),
    "no_bids": ("", "No bids"),
    "unsold": ("", "Not sold"),
    "cancelled": ("badge-err", "Cancelled"),
}


@register.filter
def my_state_badge(state) -> str:
    return _MY_STATE.get(state, ("", ""))[0]


@register.filter
def my_state_label(state) -> str:
    return _MY_STATE.get(state, ("", ""))[1]


@register.filter
def outcome_badge(outcome) -> str:
    return _OUTCOME.get(outcome, ("", ""))[0]


@register.filter
def cover_of(listing):
    """The cover photo from the `cover_photos` prefetch (or the first photo)."""
    covers = getattr(listing, "cover_photos", None)
    if covers:
        return covers[0]
    photos = list(listing.photos.all()) if covers is None else []
    return next((p for p in photos if p.is_cover), photos[0] if photos else None)
