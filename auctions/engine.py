"""The bidding rules, as pure functions: no database, no clock, no settings reads.

The database layer (services) locks the auction row, builds a `Standing` from it, asks
`resolve_bid()` what happens, and writes the resulting bids and the new standing in the same
transaction. Keeping the rules pure lets them be checked against a reference model on thousands
of generated bid sequences.

Why a `Standing` is enough: after every bid, each dealer who is not leading has a maximum no
higher than the visible price (their proxy was either beaten outright or bid up to its maximum).
So only the leader's maximum can still respond to a new bid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.money import AMOUNT_MAX_MINOR, amount_too_large_message

# The increment ladder: (upper bound of the price band, exclusive, or None for "and above"; increment), minor units.
# Its one home is the setting GAVEL_BID_INCREMENTS; the engine is always handed it.
Ladder = Sequence[tuple[int | None, int]]


class BidRejected(ApplicationError):
    status_code = 400


class BidTooLow(BidRejected):
    """Below the lowest acceptable amount: `minimum_minor` for a new bid, or the dealer's own maximum to beat."""

    code = "bid_too_low"

    def __init__(self, message: str, *, minimum_minor: int, fields: dict):
        self.minimum_minor = minimum_minor
        super().__init__(message, fields=fields)


class AlreadyLeading(BidRejected):
    code = "already_leading"
    status_code = 409


def increment_for(price_minor: int, ladder: Ladder) -> int:
    for upper, step in ladder:
        if upper is None or price_minor < upper:
            return step
    raise ValueError("The increment ladder needs a last band without an upper bound")


D = TypeVar("D")  # how the caller names a dealer (the services: user ids); the engine only compares them


@dataclass(frozen=True)
class Standing(Generic[D]):
    """The public price plus the one private number that still matters: the leader's maximum."""

    price_minor: int | None = None
    leader: D | None = None
    leader_max_minor: int | None = None

    @property
    def has_bids(self) -> bool:
        return self.leader is not None


@dataclass(frozen=True)
class PlannedBid(Generic[D]):
    dealer: D
    amount_minor: int
    kind: str  # "direct" (typed amount), "proxy" (a new maximum), "auto" (a proxy answering)
    max_minor: int | None = None  # private: the maximum behind a proxy bid


@dataclass(frozen=True)
class Resolution(Generic[D]):
    bids: tuple[PlannedBid[D], ...]
    standing: Standing[D]
    raised_max_only: bool = False  # the leader raised their own maximum: nothing visible changes


# The refusals' wording, in one place: resolve_bid raises them, and so does the bid service for the decisions the
# database function (auctions/sql) returns as a code and numbers.
def amount_or_maximum_refusal() -> BidRejected:
    return BidRejected(_("Give either an amount or a maximum, not both."), code="invalid",
                       fields={"amount_minor": [_("Give either amount_minor or max_amount_minor.")]})


def amount_range_refusal(field: str) -> BidRejected:
    return BidRejected(_("The amount must be a positive whole number of minor units, within the largest amount "
                         "Gavel takes."), code="invalid", fields={field: [
                           _("Enter a positive whole number of minor units. %(limit)s")
                           % {"limit": amount_too_large_message()}]})


def already_leading_refusal() -> AlreadyLeading:
    return AlreadyLeading(_("You are already the highest bidder; you can raise your maximum instead."))


def own_maximum_too_low(current_max_minor: int, *, money: Callable[[int], str]) -> BidTooLow:
    current = money(current_max_minor)
    return BidTooLow(_("Your new maximum must be above your current maximum of %(amount)s.") % {"amount": current},
                     minimum_minor=current_max_minor,
                     fields={"max_amount_minor": [
                         _("Must be above your current maximum of %(amount)s.") % {"amount": current}]})


def bid_too_low(minimum_minor: int, *, field: str, money: Callable[[int], str]) -> BidTooLow:
    lowest = money(minimum_minor)
    return BidTooLow(_("The lowest bid now is %(amount)s.") % {"amount": lowest}, minimum_minor=minimum_minor,
                     fields={field: [_("Bid at least %(amount)s.") % {"amount": lowest}]})


def minimum_next_bid(standing: Standing[D], *, starting_price_minor: int,
                     ladder: Ladder) -> int:
    if not standing.has_bids:
        return starting_price_minor
    assert standing.price_minor is not None  # a standing with a leader has a price
    return standing.price_minor + increment_for(standing.price_minor, ladder)


def resolve_bid(
    standing: Standing[D],
    *,
    dealer: D,
    starting_price_minor: int,
    money: Callable[[int], str],
    amount_minor: int | None = None,
    max_amount_minor: int | None = None,
    ladder: Ladder,
) -> Resolution[D]:
    """Apply one dealer's bid (a direct `amount_minor` or a proxy `max_amount_minor`).

    `money` formats an amount of minor units for the refusals a dealer reads (the engine knows no currency)."""
    if (amount_minor is None) == (max_amount_minor is None):
        raise amount_or_maximum_refusal()
    offered = amount_minor if amount_minor is not None else max_amount_minor
    if isinstance(offered, bool) or not isinstance(offered, int) or not 0 < offered <= AMOUNT_MAX_MINOR:
        raise amount_range_refusal("amount_minor" if amount_minor is not None else "max_amount_minor")
    is_proxy = max_amount_minor is not None
    minimum = minimum_next_bid(standing, starting_price_minor=starting_price_minor, ladder=ladder)

    if standing.leader == dealer:
        if not is_proxy:
            raise already_leading_refusal()
        assert standing.leader_max_minor is not None  # a standing with a leader has the leader's maximum
        if offered <= standing.leader_max_minor:
            raise own_maximum_too_low(standing.leader_max_minor, money=money)
        return Resolution(bids=(), standing=Standing(standing.price_minor, dealer, offered), raised_max_only=True)

    if offered < minimum:
        raise bid_too_low(minimum, field="max_amount_minor" if is_proxy else "amount_minor", money=money)

    kind = "proxy" if is_proxy else "direct"
    if not standing.has_bids:
        price = starting_price_minor if is_proxy else offered
        bid = PlannedBid(dealer, price, kind, offered if is_proxy else None)
        return Resolution(bids=(bid,), standing=Standing(price, dealer, offered))

    leader, leader_max = standing.leader, standing.leader_max_minor
    # A standing with a leader has a price and the leader's maximum.
    assert leader is not None and leader_max is not None and standing.price_minor is not None
    if offered > leader_max:
        planned: list[PlannedBid[D]] = []
        if leader_max > standing.price_minor:
            # The old leader's proxy bids all the way to its maximum before being beaten.
            planned.append(PlannedBid(leader, leader_max, "auto", leader_max))
        price = min(offered, leader_max + increment_for(leader_max, ladder)) if is_proxy else offered
        planned.append(PlannedBid(dealer, price, kind, offered if is_proxy else None))
        return Resolution(bids=tuple(planned), standing=Standing(price, dealer, offered))

    # The leader's maximum is at least the offer: their proxy answers at once. On equal maxima
    # the earlier one leads, so the answer equals the offer (the only case where two bids in a
    # row carry the same amount).
    answer = min(leader_max, offered + increment_for(offered, ladder))
    bids = (
        PlannedBid(dealer, offered, kind, offered if is_proxy else None),
        PlannedBid(leader, answer, "auto", leader_max),
    )
    return Resolution(bids=bids, standing=Standing(answer, leader, leader_max))
