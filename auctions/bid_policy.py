"""The one bid policy, for the bid API and the auction page's bid forms alike (delivery layer).

A bid that reaches here has the right shape (api.py's serializer or views.py's forms checked it). In order:
1. the dealer's bid rate (GAVEL_BID_RATE, page and API on one counter): one atomic count in Redis
   (core.ratelimit); beyond it, Throttled (429). If Redis is away the bid goes on and the outage is logged:
   a rate limit never turns a bid into a 500.
2. the idempotency key (API clients may send one): printable ASCII, with the request's hash, so a retry gets
   the first answer back and the same key on a different request is refused.
3. auctions.services.bid_place: every rule of the auction, under its locks.
Domain results and refusals come back as they are; api.py and views.py turn them into their answers.
"""

import hashlib
import json

from django.conf import settings

from accounts.models import User
from auctions import services
from auctions.services.bidding import BidPlaceResult
from core.exceptions import Throttled, ValidationFailed
from core.ratelimit import rate_limit_hit

IDEMPOTENCY_KEY_MAX = 255


def bid_rate_limit(*, dealer: User) -> None:
    """Count one bid of `dealer`; raise Throttled beyond GAVEL_BID_RATE."""
    result = rate_limit_hit(scope="bids", ident=dealer.pk, rate=settings.GAVEL_BID_RATE)
    if not result.allowed:
        wait = result.retry_after_seconds
        raise Throttled(f"You are bidding faster than Gavel allows. Please wait {wait} second{'s' * (wait != 1)} "
                        "and bid again.", retry_after_seconds=wait)


def idempotency_key_clean(raw: str | None) -> str | None:
    """The Idempotency-Key header's value, or None without one. Printable ASCII only (it is stored and compared
    byte for byte); longer than IDEMPOTENCY_KEY_MAX is cut, as before."""
    key = (raw or "").strip()
    if not key:
        return None
    if not all(" " < char < "\x7f" for char in key):
        raise ValidationFailed("The Idempotency-Key header may hold only printable ASCII characters.",
                               fields={"idempotency_key": ["Use printable ASCII characters, e.g. a UUID."]})
    return key[:IDEMPOTENCY_KEY_MAX]


def _request_hash(*, path: str, data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"POST {path}\n{canonical}".encode()).hexdigest()


def bid_submit(*, dealer: User, auction_id: int, amount_minor: int | None = None,
               max_amount_minor: int | None = None, idempotency_key: str | None = None,
               path: str = "") -> BidPlaceResult:
    """Place a bid through the policy: rate limit, idempotency, then the auction's rules (see the module).
    `idempotency_key` is the raw header value, `path` the request's (both only matter with a key)."""
    bid_rate_limit(dealer=dealer)
    idempotency_key = idempotency_key_clean(idempotency_key)
    amounts = {name: value for name, value in (("amount_minor", amount_minor), ("max_amount_minor", max_amount_minor))
               if value is not None}
    return services.bid_place(auction_id=auction_id, dealer=dealer, idempotency_key=idempotency_key,
                              request_hash=_request_hash(path=path, data=amounts) if idempotency_key else None,
                              **amounts)
