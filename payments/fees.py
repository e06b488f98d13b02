"""Fees and deadlines as pure functions (no database), tested at the band boundaries."""

from datetime import datetime, timedelta

from django.conf import settings

from core.money import Money


def buyer_fee(hammer: Money, bands=None) -> Money:
    """The dealer's fee for a hammer price: the first band whose upper bound (inclusive) reaches it.

    A band's fee is either flat (`flat_minor`) or a rate in basis points of the hammer price (`bps`)."""
    if hammer.amount_minor <= 0:
        raise ValueError("A hammer price is positive.")
    for upper, fee in bands if bands is not None else settings.GAVEL_BUYER_FEE_BANDS:
        if upper is None or hammer.amount_minor <= upper:
            if "flat_minor" in fee:
                return Money(int(fee["flat_minor"]), hammer.currency)
            return hammer.percent_of(int(fee["bps"]))
    raise ValueError("GAVEL_BUYER_FEE_BANDS has no band for this price.")


def seller_fee(hammer: Money) -> Money:
    """A flat seller fee (GAVEL_SELLER_FEE_MINOR, default none), never more than the hammer price."""
    return Money(min(settings.GAVEL_SELLER_FEE_MINOR, hammer.amount_minor), hammer.currency)


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` business days after `start`, same time of day. Saturdays and Sundays are skipped; public
    holidays are not modelled (they differ by region; staff extend a deadline by hand when one falls)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    # A sale made at the weekend starts counting from Monday.
    while current.weekday() >= 5:
        current += timedelta(days=1)
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
