"""The words static/js/live.js and static/js/countdown.js write into a page, in the reader's language: one JSON
object in the page (<script id="live-texts">), so the scripts keep no English of their own. Placeholders in braces
({amount}) are filled in by the scripts."""

from django import template
from django.utils.html import json_script
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

register = template.Library()


def live_texts_now() -> dict[str, str]:
    return {
        "you_lead": _("You lead"),
        "outbid": _("Outbid"),
        "not_bidding": _("Not bidding"),
        "sold": _("Sold"),
        "awaiting_seller": _("Awaiting seller"),
        "no_bids": _("No bids"),
        "unsold": _("Not sold"),
        "cancelled": _("Cancelled"),
        "ended": _("Ended"),
        "connection_lost": _("Connection lost. Reconnecting…"),
        "reserve_met": _("Reserve met"),
        "reserve_not_met": _("Reserve not met"),
        "current_price": _("Current price"),
        # The count is put in by the script: {count}. Gavel's languages need one form for 1 and one for the rest.
        "bids_one": ngettext("{count} bid", "{count} bids", 1),
        "bids_other": ngettext("{count} bid", "{count} bids", 2),
        "raise_maximum": _("Raise your maximum"),
        "set_maximum": _("Or set a maximum"),
        "bid_now": _("Bid {amount} now"),
        "all_in": _("{amount} all in"),
        "dealer": _("Dealer"),
        "dealer_number": _("Dealer {number}"),
        "you": _("you"),
        "automatic": _("automatic"),
        "repriced": _("A bidder who may no longer buy was withdrawn, and the auction was worked out again from the "
                      "remaining bids: the price may have gone down."),
        "this_car": _("this car"),
        "announce_ended": _("{title}: the auction has ended — {outcome}."),
        "announce_lost_lead": _("You lost the lead on the {title}: now {price}, {bids}."),
        "announce_leading": _("You lead on the {title} at {price}."),
        "announce_price": _("{title}: now {price}, {bids}."),
        "announce_you_lead": _("You lead."),
        "dismiss": _("Dismiss"),
        "ending": _("Ending…"),
        "days_hours": pgettext("countdown", "{d}d {h}h"),
        "hours_minutes": pgettext("countdown", "{h}h {m}m"),
    }


@register.simple_tag
def live_texts() -> str:
    return json_script(live_texts_now(), "live-texts")
