"""Auctions: the increment ladder, how long auctions run, the soft close, the seller's decision, the bid rate,
the closing sweeper, how long idempotency keys are kept, and a new dealer's buying limit. Money in minor units of
GAVEL_CURRENCY."""

from datetime import timedelta
from typing import NoReturn

from config.settings.env import (
    EnvironmentInvalid,
    env_duration,
    env_duration_count,
    env_int,
    env_json,
    env_money_minor,
    env_rate,
)

# The increment ladder's one home (auctions.engine is always handed it): (upper bound of the price band in minor
# units, exclusive, or None for "and above"; the increment in minor units).
_DEFAULT_BID_INCREMENTS = ((5_000_00, 50_00), (20_000_00, 100_00), (None, 250_00))


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def bid_increments_check(raw, *, name: str = "GAVEL_BID_INCREMENTS") -> tuple[tuple[int | None, int], ...]:
    """GAVEL_BID_INCREMENTS as JSON, `[[upper_bound_minor_or_null, increment_minor], …]`: upper bounds strictly
    increasing, only the last one null (every price has an increment), every increment positive."""

    def refuse(where: str, message: str) -> NoReturn:
        raise EnvironmentInvalid(name, f"is invalid at {where}: {message}")

    if not isinstance(raw, list) or not raw:
        raise EnvironmentInvalid(name, "must be a non-empty JSON list of [upper bound in minor units or null, "
                                       "increment in minor units]")
    ladder: list[tuple[int | None, int]] = []
    previous: int | None = None
    for index, band in enumerate(raw):
        at, last = f"bands[{index}]", index == len(raw) - 1
        if not (isinstance(band, list) and len(band) == 2):
            refuse(at, f"must be a pair [upper bound or null, increment], not {band!r}")
        upper, step = band
        if not _whole(step) or step <= 0:
            refuse(f"{at}.increment", f"must be a positive whole number of minor units, not {step!r}")
        if upper is None:
            if not last:
                refuse(f"{at}.upper", "only the last band is open (null)")
        else:
            if not _whole(upper) or upper <= 0:
                refuse(f"{at}.upper", f"must be a positive whole number of minor units or null, not {upper!r}")
            if previous is not None and upper <= previous:
                refuse(f"{at}.upper", f"upper bounds must be strictly increasing: {upper} follows {previous}")
            if last:
                refuse(f"{at}.upper", "the last band must be open (null) so every price has an increment")
            previous = upper
        ladder.append((upper, step))
    return tuple(ladder)


_ladder = env_json("GAVEL_BID_INCREMENTS", None)
GAVEL_BID_INCREMENTS = _DEFAULT_BID_INCREMENTS if _ladder is None else bid_increments_check(_ladder)

GAVEL_AUCTION_DEFAULT_MINUTES = env_duration_count("GAVEL_AUCTION_DEFAULT_MINUTES", 20, unit="minutes")
# A bid in the last GAVEL_SOFT_CLOSE_SECONDS moves the end that far out (the pages' countdown reads it too).
# GAVEL_SOFT_CLOSE_MINUTES sets it in minutes; GAVEL_SOFT_CLOSE_SECONDS, to the second, wins (the end-to-end
# journey runs a whole auction in well under a minute of soft close).
GAVEL_SOFT_CLOSE_MINUTES = env_duration_count("GAVEL_SOFT_CLOSE_MINUTES", 2, unit="minutes")
GAVEL_SOFT_CLOSE_SECONDS = env_duration_count("GAVEL_SOFT_CLOSE_SECONDS", GAVEL_SOFT_CLOSE_MINUTES * 60,
                                              unit="seconds")
# How long a seller has to accept or decline a result below the reserve.
GAVEL_SELLER_DECISION_HOURS = env_duration_count("GAVEL_SELLER_DECISION_HOURS", 24, unit="hours")
# Bids per dealer, page and API together ("<n>/<s|min|hour|day>", auctions.bid_policy); the benchmarks raise it.
GAVEL_BID_RATE = env_rate("GAVEL_BID_RATE", "30/min")
# The closing sweeper (beat, celery.py): how often it looks for due auctions, how many it takes at once, and how
# far ahead auctions get their on-time closing task.
GAVEL_AUCTION_SWEEP_SECONDS = env_duration_count("GAVEL_AUCTION_SWEEP_SECONDS", 3, unit="seconds")
GAVEL_AUCTION_SWEEP_BATCH = env_int("GAVEL_AUCTION_SWEEP_BATCH", 50, minimum=1)
# How long an auction's copy in Redis (auctions.bid_gate: stale bids refused without the database) outlives its
# last write; every public change of the auction writes it again.
GAVEL_BID_GATE_SECONDS = env_duration_count("GAVEL_BID_GATE_SECONDS", 120, unit="seconds")
# How long a bid's Idempotency-Key keeps its first answer (a retry within it gets that answer back; after it, the
# same key is a new request). Retries matter within minutes to hours; beat prunes older keys every
# GAVEL_IDEMPOTENCY_PRUNE_SECONDS (auctions.tasks.idempotency_keys_prune_task), in batches. The soak benchmark
# shortens both to see pruning within its run.
GAVEL_IDEMPOTENCY_KEY_TTL = env_duration("GAVEL_IDEMPOTENCY_KEY_HOURS", timedelta(hours=24), unit="hours",
                                         minimum=timedelta(minutes=1))
GAVEL_IDEMPOTENCY_PRUNE_SECONDS = env_duration_count("GAVEL_IDEMPOTENCY_PRUNE_SECONDS", 3600, unit="seconds")
# How long an API token's lookup stays cached (accounts.authentication); revoking forgets it at once.
GAVEL_TOKEN_CACHE_SECONDS = env_duration_count("GAVEL_TOKEN_CACHE_SECONDS", 300, unit="seconds")
GAVEL_AUCTION_ENQUEUE_AHEAD_MINUTES = env_duration_count("GAVEL_AUCTION_ENQUEUE_AHEAD_MINUTES", 10, unit="minutes")
# A newly verified dealer's buying limit.
GAVEL_DEFAULT_BUYING_LIMIT_MINOR = env_money_minor("GAVEL_DEFAULT_BUYING_LIMIT_MINOR", 50_000_00)

# After an auction without a sale (auctions.services.counters, payments.services.buy_now, marketplace relisting).
# How long the top bidder has to answer the seller's counter-offer.
GAVEL_COUNTER_OFFER_HOURS = env_duration_count("GAVEL_COUNTER_OFFER_HOURS", 24, unit="hours")
# A car goes back to auction without a new inspection while its published report is at most this old.
GAVEL_RELIST_REPORT_MAX_AGE_DAYS = env_duration_count("GAVEL_RELIST_REPORT_MAX_AGE_DAYS", 30, unit="days")
# How long a buy-now offer stays open to verified dealers once the seller has agreed to its price.
GAVEL_BUY_NOW_HOURS = env_duration_count("GAVEL_BUY_NOW_HOURS", 24, unit="hours")
