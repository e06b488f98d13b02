"""The one bid policy, for the bid API and the auction page's bid forms alike (delivery layer).

A bid that reaches here has the right shape (api.py's serializer or views.py's forms checked it). In order:
1. the dealer's bid rate (GAVEL_BID_RATE, page and API on one counter): one atomic count in Redis
   (core.ratelimit); beyond it, Throttled (429). If Redis is away the bid goes on and the outage is logged:
   a rate limit never turns a bid into a 500. The same round trip reads the bid gate's copy of the auction
   (auctions.bid_gate), which bid_place uses to refuse a stale bid without asking the database.
2. the idempotency key (API clients may send one): printable ASCII, with the request's hash, so a retry gets
   the first answer back and the same key on a different request is refused. On PostgreSQL the bid function keeps
   the key with the decision in the bid's own statement, and the answer is rendered again from the decision (the
   server time in it is the decision's); on SQLite the answer itself is stored around bid_place.
3. auctions.services.bid_place: every rule of the auction, under its locks.
The page gets the domain result (or the refusal) and words its own answer; the API gets a `BidAnswer`: the JSON
it sends, which is also what an idempotent retry gets back, byte for byte.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from auctions import services
from auctions.bid_gate import BidGateCopy, bid_gate_parse, bid_gate_read_queue
from auctions.models import bidder_label
from auctions.serializers import AuctionDealerStateOutputSerializer, BidDealerOutputSerializer
from auctions.services.bidding import BidResult
from core.api import error_body
from core.exceptions import ApplicationError, Throttled, ValidationFailed
from core.ratelimit import rate_limit_hit

IDEMPOTENCY_KEY_MAX = 255


def bid_rate_limit(*, dealer: User, auction_id: int) -> BidGateCopy | None:
    """Count one bid of `dealer`; raise Throttled beyond GAVEL_BID_RATE. In the same Redis round trip, read the bid
    gate's copy of the auction (auctions.bid_gate) and return it for bid_place (None: none, or Redis away)."""
    result = rate_limit_hit(scope="bids", ident=dealer.pk, rate=settings.GAVEL_BID_RATE,
                            also=lambda pipeline: bid_gate_read_queue(pipeline, auction_id))
    if not result.allowed:
        wait = result.retry_after_seconds
        raise Throttled(ngettext(
            "You are bidding faster than Gavel allows. Please wait %(wait)d second and bid again.",
            "You are bidding faster than Gavel allows. Please wait %(wait)d seconds and bid again.",
            wait) % {"wait": wait}, retry_after_seconds=wait)
    return bid_gate_parse(result.also[0]) if result.also else None


def idempotency_key_clean(raw: str | None) -> str | None:
    """The Idempotency-Key header's value, or None without one. Printable ASCII only (it is stored and compared
    byte for byte); longer than IDEMPOTENCY_KEY_MAX is cut, as before."""
    key = (raw or "").strip()
    if not key:
        return None
    if not all(" " < char < "\x7f" for char in key):
        raise ValidationFailed(_("The Idempotency-Key header may hold only printable ASCII characters."),
                               fields={"idempotency_key": [_("Use printable ASCII characters, e.g. a UUID.")]})
    return key[:IDEMPOTENCY_KEY_MAX]


def _request_hash(*, path: str, data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"POST {path}\n{canonical}".encode()).hexdigest()


def bid_answer_body(result: BidResult) -> dict:
    """The dealer's view of their bid's result, from the rows in memory (no queries)."""
    auction = result.auction
    auction.my_state = "leading" if result.leading else "outbid"
    auction.my_max_minor = result.my_max_minor
    auction.my_label = bidder_label(result.labels.get(result.dealer_id))
    auction.viewer_id = result.dealer_id
    context = {"labels": result.labels, "viewer_id": result.dealer_id}
    return {"placed": BidDealerOutputSerializer(result.visible_bids, many=True, context=context).data,
            "auction": AuctionDealerStateOutputSerializer(auction).data,
            "receipts": result.receipts}


def bid_submit(*, dealer: User, auction_id: int, amount_minor: int | None = None,
               max_amount_minor: int | None = None, placed_by: User | None = None) -> BidResult:
    """A bid from the auction page: the rate limit, then the auction's rules. Refusals raise."""
    gate = bid_rate_limit(dealer=dealer, auction_id=auction_id)
    return services.bid_place(auction_id=auction_id, dealer=dealer, amount_minor=amount_minor,
                              max_amount_minor=max_amount_minor, placed_by=placed_by, gate=gate)


@dataclass(frozen=True)
class BidAnswer:
    """The API's answer to a bid: its status and JSON body (the stored one on an idempotent replay)."""

    status_code: int
    body: dict
    replayed: bool = False


def bid_submit_api(*, dealer: User, auction_id: int, amount_minor: int | None = None,
                   max_amount_minor: int | None = None, idempotency_key: str | None = None,
                   path: str = "", placed_by: User | None = None) -> BidAnswer:
    """A bid through the API: the rate limit, the idempotency key, then the auction's rules. Without a key a
    refusal raises (the API's exception handler answers it); with one, the answer — acceptance or refusal — is
    stored in the bid's own transaction and a retry gets it back."""
    gate = bid_rate_limit(dealer=dealer, auction_id=auction_id)
    key = idempotency_key_clean(idempotency_key)
    amounts: dict[str, Any] = {
        name: value for name, value in (("amount_minor", amount_minor), ("max_amount_minor", max_amount_minor))
        if value is not None}
    if key is None:
        result = services.bid_place(auction_id=auction_id, dealer=dealer, placed_by=placed_by, gate=gate, **amounts)
        return BidAnswer(201, bid_answer_body(result))
    request_hash = _request_hash(path=path, data=amounts)
    if services.bid_in_one_statement():
        try:
            result = services.bid_place(auction_id=auction_id, dealer=dealer, placed_by=placed_by, idempotency_key=key,
                                        request_hash=request_hash, **amounts)
        except ApplicationError as exc:
            if getattr(exc, "replayed", False):
                return BidAnswer(exc.status_code, error_body(exc), replayed=True)
            raise
        return BidAnswer(201, bid_answer_body(result), replayed=result.replayed)
    refusal = None
    with transaction.atomic():
        services.idempotent_answer_lock(dealer=dealer, key=key)
        stored = services.idempotent_answer_stored(dealer=dealer, key=key, request_hash=request_hash)
        if stored is not None:
            return BidAnswer(stored.response_status, stored.response_body, replayed=True)
        try:
            answer = BidAnswer(201, bid_answer_body(services.bid_place(auction_id=auction_id, dealer=dealer,
                                                                       **amounts)))
        except ApplicationError as exc:
            refusal, answer = exc, BidAnswer(exc.status_code, error_body(exc))
        services.idempotent_answer_store(dealer=dealer, key=key, request_hash=request_hash,
                                         status_code=answer.status_code, body=answer.body)
    if refusal is not None:
        raise refusal
    return answer
