"""The auction rules in plain words, from the live settings (shown on the auction page and in the API), in the active
language."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from auctions.selectors import SESSION_LINK_DAYS
from core.money import Money


def _money(minor: int) -> str:
    return Money.of(minor).format(show_minor=False)


def _span(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}


def rules_in_plain_words() -> list[str]:
    bands, lower = [], 0
    for upper, step in settings.GAVEL_BID_INCREMENTS:
        if upper is None:
            bands.append(_("%(step)s from %(lower)s") % {"step": _money(step), "lower": _money(lower)})
        else:
            bands.append(_("%(step)s below %(upper)s") % {"step": _money(step), "upper": _money(upper)})
            lower = upper
    soft = _span(settings.GAVEL_SOFT_CLOSE_SECONDS)
    hours = settings.GAVEL_SELLER_DECISION_HOURS
    return [
        _("The first bid must be at least the starting price."),
        _("Every next bid must beat the current price by at least the increment: %(bands)s.")
        % {"bands": ", ".join(bands)},
        _("You may set a maximum instead: Gavel then bids for you, only as much as needed to keep you in the lead, "
          "never above your maximum. Nobody else ever sees your maximum."),
        _("If two dealers set the same maximum, the one who set it first leads."),
        _("A bid in the last %(span)s moves the end to %(span)s after that bid, so nobody can snipe.") % {"span": soft},
        _("Bids count only if they reach Gavel before the end; the server's clock decides."),
        _("The seller's reserve price stays secret; you see only whether it has been met. If the auction ends below "
          "it, the seller has %(hours)d hours to accept or decline the highest bid.") % {"hours": hours},
        _("Your leading bids and unpaid cars together may not exceed your buying limit."),
        _("If a bidder may no longer buy (their account is suspended), their bids and maximum are withdrawn and the "
          "auction is worked out again from everyone else's bids in their original order: the price may go down."),
        _("Bidders are shown as “Dealer 1”, “Dealer 2” …; nobody sees who you are. After the close "
          "the seller sees which verified company each bidder was; each bidder sees only their own alias."),
        *shill_rules(),
        _("Every event that decides an auction — its opening with a sealed commitment to the reserve, every accepted "
          "bid, the reserve being met, every extension, a withdrawn bidder with the auction worked out again, the "
          "close, a sale voided — goes into Gavel's public transparency log. Every accepted bid gets a signed receipt "
          "(a bid your maximum placed for you too); after the close the seller and the bidders can download the "
          "auction's record and check it with gavel-verify, without trusting Gavel."),
    ]


def shill_rules() -> list[str]:
    return [
        _("Nobody may bid on a car they have an interest in: the seller, Gavel staff, the car's inspector and accounts "
          "linked to the seller (the same company or trade licence, the same payout account, the same phone number) "
          "are refused."),
        _("Staff review every auction's integrity report: accounts sharing an address, bidders who signed in from the "
          "seller's network address (IP) or device in the %(days)d days before the end, bidders who almost never win, "
          "and bidders who bid mostly on one seller's cars are looked into.") % {"days": SESSION_LINK_DAYS},
    ]
