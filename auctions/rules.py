"""The auction rules in plain words, from the live settings (shown on the auction page and in the API)."""

from django.conf import settings

from auctions.selectors import SESSION_LINK_DAYS
from core.money import Money


def _money(minor: int) -> str:
    return Money.of(minor).format(show_minor=False)


def _span(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def rules_in_plain_words() -> list[str]:
    bands, lower = [], 0
    for upper, step in settings.GAVEL_BID_INCREMENTS:
        if upper is None:
            bands.append(f"{_money(step)} from {_money(lower)}")
        else:
            bands.append(f"{_money(step)} below {_money(upper)}")
            lower = upper
    soft = _span(settings.GAVEL_SOFT_CLOSE_SECONDS)
    hours = settings.GAVEL_SELLER_DECISION_HOURS
    return [
        "The first bid must be at least the starting price.",
        f"Every next bid must beat the current price by at least the increment: {', '.join(bands)}.",
        "You may set a maximum instead: Gavel then bids for you, only as much as needed to keep you in the lead, "
        "never above your maximum. Nobody else ever sees your maximum.",
        "If two dealers set the same maximum, the one who set it first leads.",
        f"A bid in the last {soft} moves the end to {soft} after that bid, so nobody can snipe.",
        "Bids count only if they reach Gavel before the end; the server's clock decides.",
        "The seller's reserve price stays secret; you see only whether it has been met. If the auction ends "
        f"below it, the seller has {hours} hours to accept or decline the highest bid.",
        "Your leading bids and unpaid cars together may not exceed your buying limit.",
        "If a bidder may no longer buy (their account is suspended), their bids and maximum are withdrawn and the "
        "auction is worked out again from everyone else's bids in their original order: the price may go down.",
        "Bidders are shown as \u201cDealer 1\u201d, \u201cDealer 2\u201d …; nobody sees who you are. After the close "
        "the seller sees which verified company each bidder was; each bidder sees only their own alias.",
        *SHILL_RULES,
        "Every event that decides an auction — its opening with a sealed commitment to the reserve, every accepted "
        "bid, the reserve being met, every extension, a withdrawn bidder with the auction worked out again, the "
        "close, a sale voided — goes into Gavel's public transparency log. Every accepted bid gets a signed receipt "
        "(a bid your maximum placed for you too); after the close the seller and the bidders can download the "
        "auction's record and check it with gavel-verify, without trusting Gavel.",
    ]


SHILL_RULES = [
    "Nobody may bid on a car they have an interest in: the seller, Gavel staff, the car's inspector and accounts "
    "linked to the seller (the same company or trade licence, the same payout account, the same phone number) are "
    "refused.",
    "Staff review every auction's integrity report: accounts sharing an address, bidders who signed in from the "
    f"seller's network address (IP) or device in the {SESSION_LINK_DAYS} days before the end, bidders who almost "
    "never win, and bidders who bid mostly on one seller's cars are looked into.",
]
