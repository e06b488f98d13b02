"""The bytes Gavel hashes and signs, one definition each (the spec in prose is docs/transparency.md).

- canonical JSON: the encoding of log entries, and of a whole export file;
- the log entry kinds and their fields;
- the signed byte layouts of a tree head and of a bid receipt (Ed25519);
- the byte layout of the sealed-reserve commitment.

Standard library and `cryptography` only. The server (the `transparency` app) builds its entries and
signatures with these same definitions; this package never imports the server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT_VERSION = 1
EXPORT_FORMAT = "gavel-auction-export"
HEADS_FORMAT = "gavel-tree-heads"
RECEIPT_FORMAT = "gavel-bid-receipt"
MAX_SAFE_INTEGER = 2**53 - 1  # every JSON parser reads integers up to here exactly
_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEX32 = re.compile(r"[0-9a-f]{64}\Z")
_ALIAS = re.compile(r"Dealer [1-9][0-9]*\Z")


class FormatError(ValueError):
    """Bytes or a value that do not follow the format."""


# ---------------------------------------------------------------------------------------------------------------
# Canonical JSON


def _check_value(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise FormatError(f"{where}: the integer {value} is outside ±(2^53 - 1)")
        return
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise FormatError(f"{where}: a string may not contain control characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FormatError(f"{where}: a string must be valid Unicode (no lone surrogates)") from None
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not _KEY.match(key):
                raise FormatError(f"{where}: the key {key!r} is not lower-case ASCII [a-z][a-z0-9_]*")
            if key.endswith(("_us", "_minor")) and item is not None and (isinstance(item, bool)
                                                                          or not isinstance(item, int)):
                raise FormatError(f"{where}.{key}: keys ending _us or _minor hold integers")
            _check_value(item, f"{where}.{key}")
        return
    raise FormatError(f"{where}: {type(value).__name__} is not allowed (integers, strings, booleans, null, "
                      "arrays and objects only; no floats)")


def canonical_json(value: Any) -> bytes:
    """The one byte string for `value`: sorted keys, no whitespace, UTF-8, integers only."""
    _check_value(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise FormatError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def reject_non_integer(text: str) -> Any:
    raise FormatError(f"the number {text} is not an integer")


def parse_canonical_json(data: bytes) -> Any:
    """Parse bytes that must be canonical JSON (canonical_json of what they parse to), else FormatError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=reject_duplicate_keys, parse_float=reject_non_integer,
                           parse_constant=reject_non_integer)
    except json.JSONDecodeError as exc:
        raise FormatError(f"not JSON: {exc.msg} at character {exc.pos}") from None
    if canonical_json(value) != data:
        raise FormatError("not in canonical form (sorted keys, no whitespace, UTF-8, no escapes beyond JSON's)")
    return value


# ---------------------------------------------------------------------------------------------------------------
# Encodings of hashes, keys and signatures inside JSON


def hex32(value: Any, where: str) -> bytes:
    """A SHA-256 value: 64 lower-case hex digits."""
    if not isinstance(value, str) or not _HEX32.match(value):
        raise FormatError(f"{where}: expected 64 lower-case hex digits")
    return bytes.fromhex(value)


def b64(value: Any, where: str, *, size: int) -> bytes:
    """Standard base64 with padding, canonical (re-encoding gives the same text), of exactly `size` bytes."""
    if not isinstance(value, str):
        raise FormatError(f"{where}: expected base64 text")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise FormatError(f"{where}: not base64") from None
    if base64.b64encode(raw).decode("ascii") != value:
        raise FormatError(f"{where}: not canonical base64")
    if len(raw) != size:
        raise FormatError(f"{where}: expected {size} bytes, got {len(raw)}")
    return raw


def b64_text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# ---------------------------------------------------------------------------------------------------------------
# Log entries

ENTRY_KINDS = ("opened", "bid", "extension", "reserve_met", "closed", "seller_decision", "second_chance_offer",
               "withdrawal", "sale_void")
BID_KINDS = ("direct", "proxy", "auto")
CLOSE_OUTCOMES = ("sold", "awaiting_seller", "no_bids")
DECISION_OUTCOMES = ("sold", "unsold")
DECIDED_BY = ("seller", "deadline")
# The published rule a withdrawal or a sale void applies (the rules page states each in words):
# - bidder_may_no_longer_buy: a bidder who may no longer buy leaves a live auction; everyone else's bids are
#   worked out again in their original order (the price may go down);
# - winner_may_no_longer_buy: a winner who lost the right to buy before the sale opened buys nothing.
WITHDRAWAL_RULES = ("bidder_may_no_longer_buy",)
SALE_VOID_RULES = ("winner_may_no_longer_buy",)
# Why the rule applied: the dealer's account was suspended.
REASON_CODES = ("dealer_suspended",)
RULES_VERSION = 1

# Field -> the type it holds. Every entry has all the common fields and exactly the fields of its kind.
_INT, _INT_OR_NULL, _STR, _STR_OR_NULL, _HEX, _ALIAS_T, _ALIAS_OR_NULL, _RULES, _BOOL = (
    "int", "int|null", "str", "str|null", "hex32", "alias", "alias|null", "rules", "bool")
COMMON_FIELDS = {"v": _INT, "kind": _STR, "auction_id": _INT, "seq": _INT, "at_us": _INT}
KIND_FIELDS: dict[str, dict[str, Any]] = {
    "opened": {"ends_at_us": _INT, "starting_price_minor": _INT, "currency": _STR, "commitment": _HEX,
               "rules": _RULES},
    "bid": {"alias": _ALIAS_T, "amount_minor": _INT, "bid_kind": BID_KINDS, "bid_number": _INT},
    "extension": {"ends_at_us": _INT},
    "reserve_met": {"price_minor": _INT},
    "closed": {"ends_at_us": _INT, "price_minor": _INT_OR_NULL, "bid_count": _INT, "leader_alias": _ALIAS_OR_NULL,
               "outcome": CLOSE_OUTCOMES},
    "seller_decision": {"outcome": DECISION_OUTCOMES, "decided_by": DECIDED_BY},
    "second_chance_offer": {"alias": _ALIAS_T, "amount_minor": _INT},
    # The bidder `alias` withdrawn; then `bid_count` bid entries follow (same at_us, bid numbers from 1): the
    # auction worked out again from everyone else's bids, ending at price_minor / leader_alias, reserve met or not.
    "withdrawal": {"alias": _ALIAS_T, "rule": WITHDRAWAL_RULES, "reason_code": REASON_CODES, "bid_count": _INT,
                   "price_minor": _INT_OR_NULL, "leader_alias": _ALIAS_OR_NULL, "reserve_met": _BOOL},
    # The sale to the winner `alias` voided after the close: the car is not sold.
    "sale_void": {"alias": _ALIAS_T, "rule": SALE_VOID_RULES, "reason_code": REASON_CODES},
}


def _check_field(value: Any, kind: Any, where: str) -> None:
    nullable = isinstance(kind, str) and kind.endswith("|null")
    if nullable and value is None:
        return
    base = kind.removesuffix("|null") if isinstance(kind, str) else kind
    if isinstance(base, tuple):
        if value not in base:
            raise FormatError(f"{where}: {value!r} is not one of {', '.join(base)}")
    elif base == _INT:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FormatError(f"{where}: expected a non-negative integer")
    elif base == _BOOL:
        if not isinstance(value, bool):
            raise FormatError(f"{where}: expected true or false")
    elif base == _STR:
        if not isinstance(value, str) or not value:
            raise FormatError(f"{where}: expected a non-empty string")
    elif base == _HEX:
        hex32(value, where)
    elif base == "alias":
        if not isinstance(value, str) or not _ALIAS.match(value):
            raise FormatError(f"{where}: expected an alias like 'Dealer 3'")
    elif base == _RULES:
        check_rules(value, where)
    else:  # pragma: no cover - a typo in the table above
        raise AssertionError(kind)


def check_rules(rules: Any, where: str = "rules") -> None:
    """The published rules an auction ran under: {"version": 1, "increment_ladder": [[upper|null, step], …],
    "soft_close_us": n}. Bands ascend, the last has no upper bound (null), steps are positive."""
    if not isinstance(rules, dict) or set(rules) != {"version", "increment_ladder", "soft_close_us"}:
        raise FormatError(f"{where}: expected exactly version, increment_ladder and soft_close_us")
    if rules["version"] != RULES_VERSION:
        raise FormatError(f"{where}.version: this verifier knows version {RULES_VERSION}, not {rules['version']!r}")
    window = rules["soft_close_us"]
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise FormatError(f"{where}.soft_close_us: expected a non-negative integer")
    ladder = rules["increment_ladder"]
    if not isinstance(ladder, list) or not ladder:
        raise FormatError(f"{where}.increment_ladder: expected a non-empty list of [upper|null, step]")
    previous = 0
    for i, band in enumerate(ladder):
        if not isinstance(band, list) or len(band) != 2:
            raise FormatError(f"{where}.increment_ladder[{i}]: expected [upper|null, step]")
        upper, step = band
        last = i == len(ladder) - 1
        if isinstance(step, bool) or not isinstance(step, int) or step <= 0:
            raise FormatError(f"{where}.increment_ladder[{i}]: the step must be a positive integer")
        if last != (upper is None):
            raise FormatError(f"{where}.increment_ladder: only the last band has no upper bound (null)")
        if upper is not None and (isinstance(upper, bool) or not isinstance(upper, int) or upper <= previous):
            raise FormatError(f"{where}.increment_ladder[{i}]: upper bounds must be ascending positive integers")
        previous = upper if upper is not None else previous


def check_entry(entry: Any, where: str = "entry") -> None:
    """Raise FormatError unless `entry` (parsed) has the common fields and exactly those of its kind."""
    if not isinstance(entry, dict):
        raise FormatError(f"{where}: expected an object")
    kind = entry.get("kind")
    if kind not in KIND_FIELDS:
        raise FormatError(f"{where}.kind: {kind!r} is not one of {', '.join(ENTRY_KINDS)}")
    fields = {**COMMON_FIELDS, **KIND_FIELDS[kind]}
    missing, extra = sorted(set(fields) - set(entry)), sorted(set(entry) - set(fields))
    if missing or extra:
        raise FormatError(f"{where} ({kind}): " + "; ".join(
            part for part in (missing and f"missing {', '.join(missing)}", extra and f"unknown {', '.join(extra)}")
            if part))
    if entry["v"] != FORMAT_VERSION:
        raise FormatError(f"{where}.v: this verifier knows version {FORMAT_VERSION}, not {entry['v']!r}")
    for name, field_kind in fields.items():
        _check_field(entry[name], field_kind, f"{where}.{name}")


def entry_bytes(entry: Mapping[str, Any]) -> bytes:
    """A log entry's body: its canonical JSON, after checking its fields."""
    check_entry(dict(entry))
    return canonical_json(entry)


def parse_entry(body: bytes) -> dict:
    entry = parse_canonical_json(body)
    check_entry(entry)
    return entry


# ---------------------------------------------------------------------------------------------------------------
# Signed byte layouts (Ed25519 over these exact bytes; integers unsigned 64-bit big-endian)

TREE_HEAD_CONTEXT = b"gavel-tree-head-v1\x00"
RECEIPT_CONTEXT = b"gavel-bid-receipt-v1\x00"
STATEMENT_CONTEXT = b"gavel-auction-statement-v1\x00"
_U64 = struct.Struct(">Q")


def _u64(value: int, name: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise FormatError(f"{name} must be an integer in [0, 2^64)")
    return _U64.pack(value)


def _digest(value: bytes, name: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise FormatError(f"{name} must be 32 bytes")
    return value


def tree_head_message(*, tree_size: int, timestamp_us: int, root_hash: bytes) -> bytes:
    """"gavel-tree-head-v1" 0x00 || tree_size u64 || timestamp_us u64 || root_hash 32 bytes (67 bytes)."""
    return (TREE_HEAD_CONTEXT + _u64(tree_size, "tree_size") + _u64(timestamp_us, "timestamp_us")
            + _digest(root_hash, "root_hash"))


def receipt_message(*, leaf_index: int, server_time_us: int, leaf_hash: bytes) -> bytes:
    """"gavel-bid-receipt-v1" 0x00 || leaf_index u64 || server_time_us u64 || leaf_hash 32 bytes (69 bytes)."""
    return (RECEIPT_CONTEXT + _u64(leaf_index, "leaf_index") + _u64(server_time_us, "server_time_us")
            + _digest(leaf_hash, "leaf_hash"))


def statement_message(*, auction_id: int, entry_count: int, last_index: int, tree_size: int) -> bytes:
    """"gavel-auction-statement-v1" 0x00 || auction_id u64 || entry_count u64 || last_index u64 || tree_size u64
    (59 bytes): "in the tree of tree_size leaves, this auction has exactly entry_count entries, the last at leaf
    last_index". It makes an export complete: an entry cut from its end would otherwise look like an older
    export."""
    return (STATEMENT_CONTEXT + _u64(auction_id, "auction_id") + _u64(entry_count, "entry_count")
            + _u64(last_index, "last_index") + _u64(tree_size, "tree_size"))


def key_id(public_key_raw: bytes) -> str:
    """A public key's name: the hex SHA-256 of its 32 raw bytes."""
    return hashlib.sha256(_digest(public_key_raw, "public key")).hexdigest()


def signature_valid(*, public_key_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# ---------------------------------------------------------------------------------------------------------------
# The sealed reserve

COMMITMENT_CONTEXT = b"gavel-reserve-commitment-v1\x00"
SALT_SIZE = 32
_U16 = struct.Struct(">H")


def commitment_message(*, salt: bytes, reserve_minor: int | None, report_fingerprint: bytes,
                       fee_schedule_version: str) -> bytes:
    """"gavel-reserve-commitment-v1" 0x00 || salt (32 bytes) || has_reserve (1 byte: 0x00 none, 0x01 set) ||
    reserve_minor u64 (0 when none) || report_fingerprint (32 bytes, the report's SHA-256) ||
    len(fee_schedule_version) u16 || fee_schedule_version (UTF-8, 1..255 bytes)."""
    if not isinstance(salt, bytes) or len(salt) != SALT_SIZE:
        raise FormatError(f"salt must be {SALT_SIZE} bytes")
    if reserve_minor is not None and (isinstance(reserve_minor, bool) or not isinstance(reserve_minor, int)
                                      or reserve_minor <= 0):
        raise FormatError("reserve_minor must be a positive integer or None")
    fee = fee_schedule_version.encode("utf-8") if isinstance(fee_schedule_version, str) else b""
    if not 1 <= len(fee) <= 255 or _CONTROL.search(fee_schedule_version):
        raise FormatError("fee_schedule_version must be 1..255 bytes of UTF-8 without control characters")
    return (COMMITMENT_CONTEXT + salt + (b"\x01" if reserve_minor is not None else b"\x00")
            + _u64(reserve_minor or 0, "reserve_minor") + _digest(report_fingerprint, "report_fingerprint")
            + _U16.pack(len(fee)) + fee)


def commitment(*, salt: bytes, reserve_minor: int | None, report_fingerprint: bytes,
               fee_schedule_version: str) -> bytes:
    """SHA-256 of commitment_message(): what the "opened" entry carries (as hex)."""
    return hashlib.sha256(commitment_message(salt=salt, reserve_minor=reserve_minor,
                                             report_fingerprint=report_fingerprint,
                                             fee_schedule_version=fee_schedule_version)).digest()
