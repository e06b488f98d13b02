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
        return "You cannot bid on this car: your account is linked to the seller's."


def _keys(*values) -> set:
    return {value for value in values if value}


def bidder_ensure_independent(*, auction: Auction, dealer: User, profile: DealerProfile | None) -> None:
    """Refuse the seller, staff, the car's inspector and accounts linked to the seller, with the reason."""
    listing = auction.listing
    if listing.seller_id == dealer.pk:
        raise OwnListing()
    if dealer.is_staff_member:
        raise LinkedToSeller("Gavel staff may not bid.", code="staff_may_not_bid")
    if Inspection.objects.filter(listing_id=listing.pk, inspector_id=dealer.pk).exists():
        raise LinkedToSeller("You inspected this car, so you cannot bid on it.", code="inspector_may_not_bid")
    seller: Mapping[str, Any] = (User.objects.filter(pk=listing.seller_id)
              .values("phone", "payout_account", "dealer_profile__company_name",
                      "dealer_profile__trade_licence_number", "dealer_profile__phone").first()) or {}
    if seller.get("payout_account") and seller["payout_account"] == dealer.payout_account:
        raise LinkedToSeller("You cannot bid on this car: your account is paid to the same payout account as the "
                             "seller's.")
    if _keys(phone_key(seller.get("phone")), phone_key(seller.get("dealer_profile__phone"))) & \
            _keys(phone_key(dealer.phone), phone_key(profile.phone if profile else None)):
        raise LinkedToSeller("You cannot bid on this car: your account has the same phone number as the seller's.")
    if profile is not None and (
            _keys(name_key(seller.get("dealer_profile__company_name"))) & _keys(name_key(profile.company_name))
            or _keys(name_key(seller.get("dealer_profile__trade_licence_number")))
            & _keys(name_key(profile.trade_licence_number))):
        raise LinkedToSeller("You cannot bid on this car: it is sold by your own company (same company or trade "
                             "licence).")
