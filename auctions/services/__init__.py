"""Every write to auctions. `bidding` holds the hot path; `lifecycle` the schedule/start/close/decide/cancel."""

from auctions.services.auction_log import (
    REASON_DEALER_SUSPENDED,
    RecordNotLogged,
    RecordNotReady,
    auction_receipts_for,
    auction_record_export,
)
from auctions.services.bidding import BidResult, bid_in_one_statement, bid_place
from auctions.services.common import (
    AuctionEnded,
    AuctionNotFound,
    AuctionNotLive,
    BuyingLimitExceeded,
    DecisionExpired,
    IdempotencyKeyReused,
    NoDecisionPending,
    OwnListing,
    TopBidderCannotBuy,
)
from auctions.services.consents import (
    ConsentExpired,
    ConsentNotFound,
    ConsentNotPending,
    seller_consent_check_decidable,
    seller_consent_lock,
    seller_consent_request,
    seller_consent_settle,
)
from auctions.services.counters import (
    CounterOfferPending,
    counter_offer_answer,
    counter_offer_make,
    counter_offer_pending,
)
from auctions.services.idempotency import (
    idempotency_keys_prune,
    idempotent_answer_lock,
    idempotent_answer_store,
    idempotent_answer_stored,
)
from auctions.services.lifecycle import (
    auction_cancel,
    auction_close,
    auction_closed_effects,
    auction_decide,
    auction_decisions_expire,
    auction_obligation_clear,
    auction_obligation_set,
    auction_sale_void,
    auction_schedule,
    auction_start,
    watch_add,
    watch_remove,
)
from auctions.services.relisting import (
    ReportTooOld,
    relist_approve,
    relist_refuse,
    relist_report_fresh,
    relist_request,
)
from auctions.services.saved_searches import (
    SavedSearchNotFound,
    saved_search_create,
    saved_search_delete,
    saved_search_digests_send,
    saved_searches_announce,
)
from auctions.services.withdrawals import (
    Repricing,
    auction_bidder_ids,
    dealer_bids_withdraw,
    live_auction_ids_with_bids_of,
)

__all__ = [
    "ReportTooOld", "relist_approve", "relist_refuse", "relist_report_fresh", "relist_request",
    "CounterOfferPending", "counter_offer_answer", "counter_offer_make", "counter_offer_pending",
    "AuctionEnded", "AuctionNotFound", "AuctionNotLive", "BidResult", "BuyingLimitExceeded", "ConsentExpired",
    "ConsentNotFound", "ConsentNotPending", "DecisionExpired", "IdempotencyKeyReused", "NoDecisionPending",
    "OwnListing", "REASON_DEALER_SUSPENDED", "RecordNotLogged", "RecordNotReady", "Repricing", "auction_receipts_for",
    "auction_record_export", "TopBidderCannotBuy", "auction_bidder_ids", "auction_cancel", "auction_close",
    "auction_closed_effects", "auction_decide", "auction_decisions_expire", "auction_obligation_clear",
    "auction_obligation_set", "auction_sale_void", "auction_schedule", "auction_start", "bid_in_one_statement",
    "bid_place",
    "dealer_bids_withdraw", "idempotency_keys_prune", "idempotent_answer_lock", "idempotent_answer_store",
    "idempotent_answer_stored",
    "live_auction_ids_with_bids_of", "seller_consent_check_decidable", "seller_consent_lock",
    "seller_consent_request", "seller_consent_settle", "watch_add", "watch_remove",
    "SavedSearchNotFound", "saved_search_create", "saved_search_delete", "saved_search_digests_send",
    "saved_searches_announce",
]
