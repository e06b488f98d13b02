"""Shared pieces of the auction services: errors, locking, telling a dealer organisation."""

from django.db import transaction
from django.utils.translation import gettext as _

from auctions.models import Auction, Bid
from auctions.selectors import auction_dealer_recipient_ids
from core.exceptions import ApplicationError
from core.i18n import Translatable
from core.notifications import notify_later, notify_many
from integrations.models import EventType
from integrations.services import webhook_emit


class AuctionNotLive(ApplicationError):
    code = "auction_not_live"
    status_code = 409

    def default_message(self):
        return _("This auction is not open for bids.")


class AuctionEnded(ApplicationError):
    code = "auction_ended"
    status_code = 409

    def default_message(self):
        return _("This auction has ended; the bid arrived after the end.")


class OwnListing(ApplicationError):
    code = "own_listing"
    status_code = 403

    def default_message(self):
        return _("You cannot bid on your own car.")


class BuyingLimitExceeded(ApplicationError):
    code = "buying_limit_exceeded"
    status_code = 409

    def default_message(self):
        return _("This bid would take you over your buying limit (your leading bids plus unpaid cars).")


class AuctionNotFound(ApplicationError):
    code = "not_found"
    status_code = 404

    def default_message(self):
        return _("Not found.")


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    status_code = 409

    def default_message(self):
        return _("This Idempotency-Key was already used for a different request.")


class NoDecisionPending(ApplicationError):
    code = "no_decision_pending"
    status_code = 409

    def default_message(self):
        return _("There is no decision to make on this auction.")


class DecisionExpired(ApplicationError):
    code = "decision_expired"
    status_code = 409

    def default_message(self):
        return _("The time to decide has passed; the bid was declined automatically.")


class TopBidderCannotBuy(ApplicationError):
    code = "buyer_not_eligible"
    status_code = 409

    def default_message(self):
        return _("The top bidder may no longer buy on Gavel (their account was suspended), so this bid cannot be "
                 "accepted. Decline it at no cost to you; your car can then be offered again.")


def lock_auction(auction_id: int) -> Auction:
    """The auction row under FOR UPDATE (only that row: the listing is read, not locked)."""
    try:
        return (Auction.objects.select_for_update(of=("self",)).select_related("listing")
                .get(pk=auction_id))
    except (Auction.DoesNotExist, ValueError, TypeError):
        raise AuctionNotFound() from None


def auction_result_webhooks(*, auction_id: int, winner_id: int) -> None:
    """The dealers' systems hear of a sale: `auction.won` for the buyer, `auction.lost` for every other bidder."""
    webhook_emit(user_id=winner_id, event_type=EventType.AUCTION_WON, resource="auction", resource_id=auction_id,
                 event_key=f"auction:{auction_id}:sold")
    losers = Bid.objects.filter(auction_id=auction_id).exclude(dealer_id=winner_id).values_list(
        "dealer_id", flat=True).distinct()
    for dealer_id in losers:
        webhook_emit(user_id=dealer_id, event_type=EventType.AUCTION_LOST, resource="auction",
                     resource_id=auction_id, event_key=f"auction:{auction_id}:sold")


def auction_dealer_notify(*, auction_id: int, dealer_id: int, kind: str, title: str | Translatable,
                          body: str | Translatable = "", url: str = "", email: bool = True,
                          event_key: str | None = None) -> None:
    """Tell a dealer organisation of `kind` on this auction: each of its people the event is for
    (auctions.selectors.auction_dealer_recipient_ids), each at most once per `event_key`. Also the outbox
    worker's effect "auction_dealer_notify" (registered in AuctionsConfig.ready), for the bid's hot path."""
    notify_many(user_ids=auction_dealer_recipient_ids(auction_id=auction_id, dealer_id=dealer_id, kind=kind),
                kind=kind, title=title, body=body, url=url, email=email, event_key=event_key)


def auction_dealer_notify_later(*, auction_id: int, dealer_id: int, kind: str, title: str | Translatable,
                                body: str | Translatable = "", url: str = "", email: bool = True,
                                event_key: str | None = None) -> None:
    """`auction_dealer_notify` once the transaction commits, each notification queued (core.notifications'
    notify_later): who is told is read after the commit, off the row locks."""
    def run() -> None:
        for user_id in auction_dealer_recipient_ids(auction_id=auction_id, dealer_id=dealer_id, kind=kind):
            notify_later(user_id=user_id, kind=kind, title=title, body=body, url=url, email=email,
                         event_key=event_key)

    transaction.on_commit(run)
