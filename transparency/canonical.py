"""The transparency log's entries and their canonical JSON — this docstring is the specification.

Canonical JSON
    An entry's body is the UTF-8 encoding of

        json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    with these restrictions, so that every implementation (Python here, PL/pgSQL in the database, any
    verifier) produces the same bytes for the same entry:
    - keys are lower-case ASCII, `[a-z][a-z0-9_]*`, so sorting by code point is sorting by byte;
    - values are integers, strings, booleans, null, arrays and objects: never a float. Integers lie in
      ±(2^53 − 1) so that any JSON parser reads them exactly; money is in minor units (keys end `_minor`),
      times are integer microseconds since the Unix epoch, UTC (keys end `_us`);
    - strings hold no control characters (U+0000–U+001F, U+007F) and are valid Unicode, so the only
      escapes are `\\"` and `\\\\`; everything else is written as itself, in UTF-8;
    - no whitespace outside strings; no duplicate keys.
    Parsing a body and re-encoding it this way must give the same bytes; a verifier rejects a body that
    does not (gavel_verify.formats.parse_canonical_json).

The leaf
    The Merkle leaf is the body: leaf_hash = SHA-256(0x00 || body) (RFC 9162 §2.1.1).

Every entry has
    v           1 (the format version)
    kind        one of the kinds below
    auction_id  the auction
    seq         the entry's number within its auction: 1 for "opened", then 2, 3, … with no gaps
    at_us       the server time of the event (the database clock inside the deciding transaction)

Kinds and their own fields
    opened               ends_at_us, starting_price_minor, currency (ISO 4217), commitment (64 lower-case
                         hex: the sealed reserve, see transparency.commitment), rules (see rules_object)
    bid                  alias ("Dealer N"), amount_minor, bid_kind ("direct" | "proxy" | "auto"),
                         bid_number (1, 2, 3 … over the auction's visible bids)
    extension            ends_at_us (the new end, moved by a bid in the soft-close window)
    reserve_met          price_minor (the price that first reached the reserve)
    closed               ends_at_us (the final end), price_minor (null: no bids), bid_count,
                         leader_alias (null: no bids), outcome ("sold" | "awaiting_seller" | "no_bids")
    seller_decision      outcome ("sold" | "unsold"), decided_by ("seller" | "deadline")
    second_chance_offer  alias, amount_minor (that bidder's highest bid)
    withdrawal           alias (the bidder withdrawn), rule ("bidder_may_no_longer_buy"), reason_code
                         ("dealer_suspended"), bid_count, price_minor, leader_alias, reserve_met (true/false):
                         followed by bid_count "bid" entries at the same at_us, bid_number 1 … bid_count — the
                         auction worked out again from everyone else's bids, ending at that price and leader
    sale_void            alias (the winner), rule ("winner_may_no_longer_buy"), reason_code ("dealer_suspended")

Order within one accepted bid request (all share at_us): its bid entries in the order the engine placed
them, then "reserve_met" if this request's price first reached the reserve (with no reserve: the first
bid), then "extension" if the end moved (only when at_us + window is later than the current end). A
leader raising their own maximum changes nothing public and logs nothing.

The byte layout of an entry, for writing it without a JSON library (the PL/pgSQL function): the keys of
each kind in sorted order are KEY_ORDER[kind]; strings are written with to_json(text).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from gavel_verify import formats
from gavel_verify.formats import FormatError, canonical_json, parse_entry

__all__ = [
    "KEY_ORDER", "FormatError", "bid", "canonical_json", "closed", "extension", "opened", "parse_entry",
    "reserve_met", "rules_object", "sale_void", "second_chance_offer", "seller_decision", "to_us", "withdrawal",
]

KEY_ORDER = {kind: tuple(sorted({**formats.COMMON_FIELDS, **fields})) for kind, fields in formats.KIND_FIELDS.items()}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the Unix epoch (exact, no float)."""
    if moment.tzinfo is None:
        raise ValueError("a log time needs a time zone")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def rules_object(*, increment_ladder: Sequence[Sequence[int | None]], soft_close_seconds: int) -> dict:
    """The published rules an auction runs under, as the "opened" entry carries them:
    {"increment_ladder": [[upper_minor | null, step_minor], …], "soft_close_us": n, "version": 1}.
    Version 1 means the proxy-bidding rules of auctions/engine.py as the rules page states them."""
    rules = {"version": formats.RULES_VERSION, "increment_ladder": [[upper, step] for upper, step in increment_ladder],
             "soft_close_us": soft_close_seconds * 1_000_000}
    formats.check_rules(rules)
    return rules


def _entry(kind: str, *, auction_id: int, seq: int, at_us: int, **fields) -> bytes:
    return formats.entry_bytes({"v": formats.FORMAT_VERSION, "kind": kind, "auction_id": auction_id, "seq": seq,
                                "at_us": at_us, **fields})


def opened(*, auction_id: int, at_us: int, ends_at_us: int, starting_price_minor: int, currency: str,
           commitment: bytes, rules: dict) -> bytes:
    return _entry("opened", auction_id=auction_id, seq=1, at_us=at_us, ends_at_us=ends_at_us,
                  starting_price_minor=starting_price_minor, currency=currency, commitment=commitment.hex(),
                  rules=rules)


def bid(*, auction_id: int, seq: int, at_us: int, alias: str, amount_minor: int, bid_kind: str,
        bid_number: int) -> bytes:
    return _entry("bid", auction_id=auction_id, seq=seq, at_us=at_us, alias=alias, amount_minor=amount_minor,
                  bid_kind=bid_kind, bid_number=bid_number)


def extension(*, auction_id: int, seq: int, at_us: int, ends_at_us: int) -> bytes:
    return _entry("extension", auction_id=auction_id, seq=seq, at_us=at_us, ends_at_us=ends_at_us)


def reserve_met(*, auction_id: int, seq: int, at_us: int, price_minor: int) -> bytes:
    return _entry("reserve_met", auction_id=auction_id, seq=seq, at_us=at_us, price_minor=price_minor)


def closed(*, auction_id: int, seq: int, at_us: int, ends_at_us: int, price_minor: int | None, bid_count: int,
           leader_alias: str | None, outcome: str) -> bytes:
    return _entry("closed", auction_id=auction_id, seq=seq, at_us=at_us, ends_at_us=ends_at_us,
                  price_minor=price_minor, bid_count=bid_count, leader_alias=leader_alias, outcome=outcome)


def seller_decision(*, auction_id: int, seq: int, at_us: int, outcome: str, decided_by: str) -> bytes:
    return _entry("seller_decision", auction_id=auction_id, seq=seq, at_us=at_us, outcome=outcome,
                  decided_by=decided_by)


def second_chance_offer(*, auction_id: int, seq: int, at_us: int, alias: str, amount_minor: int) -> bytes:
    return _entry("second_chance_offer", auction_id=auction_id, seq=seq, at_us=at_us, alias=alias,
                  amount_minor=amount_minor)


def withdrawal(*, auction_id: int, seq: int, at_us: int, alias: str, rule: str, reason_code: str, bid_count: int,
               price_minor: int | None, leader_alias: str | None, reserve_met: bool) -> bytes:
    return _entry("withdrawal", auction_id=auction_id, seq=seq, at_us=at_us, alias=alias, rule=rule,
                  reason_code=reason_code, bid_count=bid_count, price_minor=price_minor, leader_alias=leader_alias,
                  reserve_met=reserve_met)


def sale_void(*, auction_id: int, seq: int, at_us: int, alias: str, rule: str, reason_code: str) -> bytes:
    return _entry("sale_void", auction_id=auction_id, seq=seq, at_us=at_us, alias=alias, rule=rule,
                  reason_code=reason_code)
