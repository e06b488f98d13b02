"""Who may not bid on a car (shill rules, issue 15): the seller, staff, the car's inspector, and accounts linked to
the seller — the same company or trade licence, the same payout account, the same phone. The bid path checks this in
one place, under the auction's lock (`bidder_ensure_independent`); the rules in words are on the public rules page
(auctions.rules).

Weaker signs — the same address, a sign-in from the seller's network address or device within a window, bidders
who rarely win, bidders who bid mostly on one seller's cars — refuse nobody: they are flags on the staff's
per-auction integrity report (auctions.selectors.auction_integrity_report).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import DealerProfile, User
from auctions.models import Auction
from auctions.selectors import name_key, phone_key
from auctions.services.common import OwnListing
from core.exceptions import ApplicationError
from inspections.models import Inspection


class LinkedToSeller(ApplicationError):
    code = "linked_to_seller"
    status_code = 403

    def default_message(self):
        return _("You cannot bid on this car: your account is linked to the seller's.")


def _keys(*values) -> set:
    return {value for value in values if value}


def independence_facts(*, auction: Auction, dealer: User, profile: DealerProfile | None) -> dict[str, Any]:
    """What the rules below read, from the database (the bid function returns the same facts with its decision,
    auctions/sql/bid_place_v2.sql)."""
    listing = auction.listing
    seller: Mapping[str, Any] = (User.objects.filter(pk=listing.seller_id)
              .values("phone", "payout_account", "dealer_profile__company_name",
                      "dealer_profile__trade_licence_number", "dealer_profile__phone").first()) or {}
    return {"inspected": Inspection.objects.filter(listing_id=listing.pk, inspector_id=dealer.pk).exists(),
            "seller_payout_account": seller.get("payout_account"),
            "seller_phone": seller.get("phone"), "seller_profile_phone": seller.get("dealer_profile__phone"),
            "seller_company": seller.get("dealer_profile__company_name"),
            "seller_licence": seller.get("dealer_profile__trade_licence_number"),
            "bidder_profile_phone": profile.phone if profile else None,
            "bidder_company": profile.company_name if profile else None,
            "bidder_licence": profile.trade_licence_number if profile else None}


def independence_ensure(*, seller_id: int, dealer: User, facts: Mapping[str, Any]) -> None:
    """The shill rules over their facts (`independence_facts`): refuse the seller, staff, the car's inspector and
    accounts linked to the seller, with the reason."""
    if seller_id == dealer.pk:
        raise OwnListing()
    if dealer.is_staff_member:
        raise LinkedToSeller(_("Gavel staff may not bid."), code="staff_may_not_bid")
    if facts["inspected"]:
        raise LinkedToSeller(_("You inspected this car, so you cannot bid on it."), code="inspector_may_not_bid")
    if facts["seller_payout_account"] and facts["seller_payout_account"] == dealer.payout_account:
        raise LinkedToSeller(_("You cannot bid on this car: your account is paid to the same payout account as the "
                             "seller's."))
    if _keys(phone_key(facts["seller_phone"]), phone_key(facts["seller_profile_phone"])) & \
            _keys(phone_key(dealer.phone), phone_key(facts["bidder_profile_phone"])):
        raise LinkedToSeller(_("You cannot bid on this car: your account has the same phone number as the seller's."))
    if (_keys(name_key(facts["seller_company"])) & _keys(name_key(facts["bidder_company"]))
            or _keys(name_key(facts["seller_licence"])) & _keys(name_key(facts["bidder_licence"]))):
        raise LinkedToSeller(_("You cannot bid on this car: it is sold by your own company (same company or trade "
                             "licence)."))


def bidder_ensure_independent(*, auction: Auction, dealer: User, profile: DealerProfile | None) -> None:
    """Refuse the seller, staff, the car's inspector and accounts linked to the seller, with the reason."""
    independence_ensure(seller_id=auction.listing.seller_id, dealer=dealer,
                        facts=independence_facts(auction=auction, dealer=dealer, profile=profile))
