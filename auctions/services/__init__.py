"""Every write to auctions. `bidding` holds the hot path; `lifecycle` the schedule/start/close/decide/cancel."""

from auctions.services.bidding import BidPlaceResult, bid_place, error_body
from auctions.services.common import (
    AuctionEnded,
    AuctionNotFound,
    AuctionNotLive,
    BuyingLimitExceeded,
    DecisionExpired,
    IdempotencyKeyReused,
    NoDecisionPending,
    OwnListing,
)
from auctions.services.lifecycle import (
    auction_cancel,
    auction_close,
    auction_closed_effects,
    auction_decide,
    auction_decisions_expire,
    auction_schedule,
    auction_start,
    watch_add,
    watch_remove,
)

__all__ = [
    "AuctionEnded", "AuctionNotFound", "AuctionNotLive", "BidPlaceResult", "BuyingLimitExceeded", "DecisionExpired",
    "IdempotencyKeyReused", "NoDecisionPending", "OwnListing", "auction_cancel", "auction_close",
    "auction_closed_effects", "auction_decide", "auction_decisions_expire", "auction_schedule", "auction_start",
    "bid_place", "error_body", "watch_add", "watch_remove",
]
