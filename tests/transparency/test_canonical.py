"""The canonical JSON of log entries: the exact bytes, and everything that is not canonical refused."""

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gavel_verify import formats
from gavel_verify.formats import FormatError, canonical_json, parse_canonical_json, parse_entry
from gavel_verify.merkle import leaf_hash
from transparency import canonical

BID = canonical.bid(auction_id=7, seq=3, at_us=1_767_225_620_000_000, alias="Dealer 2", amount_minor=10_100_00,
                    bid_kind="proxy", bid_number=2)


def test_a_bid_entry_is_exactly_the_specified_bytes():
    assert BID == (b'{"alias":"Dealer 2","amount_minor":1010000,"at_us":1767225620000000,"auction_id":7,'
                   b'"bid_kind":"proxy","bid_number":2,"kind":"bid","seq":3,"v":1}')
    # The leaf (docs/transparency.md lists this as a test vector): SHA-256(0x00 || body).
    assert leaf_hash(BID).hex() == "9b12caba7d6e80d6457660b48be17bbeeec36e5dd4f8116798e86b2788eacd02"
    assert leaf_hash(BID) == hashlib.sha256(b"\x00" + BID).digest()
    assert parse_entry(BID)["amount_minor"] == 10_100_00


def test_the_key_order_of_every_kind_is_the_sorted_order_the_sql_function_writes():
    assert canonical.KEY_ORDER["bid"] == ("alias", "amount_minor", "at_us", "auction_id", "bid_kind", "bid_number",
                                          "kind", "seq", "v")
    for kind, keys in canonical.KEY_ORDER.items():
        assert list(keys) == sorted(keys), kind
        assert {"v", "kind", "auction_id", "seq", "at_us"} <= set(keys)


def test_an_opened_entry_carries_the_rules_and_the_commitment():
    rules = canonical.rules_object(increment_ladder=((5_000_00, 50_00), (None, 100_00)), soft_close_seconds=120)
    body = canonical.opened(auction_id=7, at_us=1, ends_at_us=2, starting_price_minor=1_000_00, currency="EUR",
                            commitment=bytes(range(32)), rules=rules)
    assert body == (b'{"at_us":1,"auction_id":7,'
                    b'"commitment":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",'
                    b'"currency":"EUR","ends_at_us":2,"kind":"opened","rules":{"increment_ladder":[[500000,5000],'
                    b'[null,10000]],"soft_close_us":120000000,"version":1},"seq":1,"starting_price_minor":100000,"v":1}')


def test_strings_are_utf_8_and_only_quote_and_backslash_are_escaped():
    assert canonical_json({"a": 'Zoë "x" \\ €'}) == '{"a":"Zoë \\"x\\" \\\\ €"}'.encode()
    assert parse_canonical_json('{"a":"Zoë"}'.encode()) == {"a": "Zoë"}


@pytest.mark.parametrize("value", [
    {"a": 1.5}, {"a": float("nan")}, {"a": "tab\there"}, {"a": "nul\x00"}, {"a": "del\x7f"}, {"A": 1}, {"a-b": 1},
    {"a": 2**53}, {"a": -(2**53)}, {"at_us": "1"}, {"price_minor": True}, {"a": b"bytes"}, {"a": "\ud800"},
])
def test_values_outside_the_canonical_subset_are_refused(value):
    with pytest.raises(FormatError):
        canonical_json(value)


@pytest.mark.parametrize("data", [
    b'{"b":1,"a":2}',  # keys out of order
    b'{"a": 1}',  # whitespace
    b'{"a":1}\n',  # trailing newline (an entry has none)
    b'{"a":"\\u0041"}',  # an escape JSON does not need
    b'{"a":"\\/"}',
    b'{"a":1.0}',  # a float, even a whole one
    b'{"a":1e2}',
    b'{"a":-0}',
    b'{"a":01}',
    b'{"a":1,"a":1}',  # a duplicate key
    b'{"a":NaN}',
    b'{"a":"\xff"}',  # not UTF-8
    b'\xef\xbb\xbf{"a":1}',  # a byte-order mark
])
def test_bytes_that_are_not_canonical_json_are_refused(data):
    with pytest.raises(FormatError):
        parse_canonical_json(data)


def test_an_entry_with_a_missing_an_unknown_or_a_mistyped_field_is_refused():
    entry = parse_entry(BID)
    for broken in ({k: v for k, v in entry.items() if k != "alias"}, {**entry, "max_minor": 1},
                   {**entry, "bid_kind": "sniper"}, {**entry, "alias": "Bob"}, {**entry, "v": 2},
                   {**entry, "kind": "refund"}, {**entry, "amount_minor": -5}):
        with pytest.raises(FormatError):
            formats.entry_bytes(broken)


@pytest.mark.parametrize("ladder", [[], [[None, 0]], [[100, 5]], [[100, 5], [50, 5], [None, 5]],
                                    [[None, 5], [None, 5]]])
def test_a_ladder_that_cannot_be_applied_is_refused(ladder):
    with pytest.raises(FormatError):
        formats.check_rules({"version": 1, "increment_ladder": ladder, "soft_close_us": 0})


def test_times_are_exact_integer_microseconds_in_utc():
    moment = datetime(2026, 1, 1, 1, 0, 0, 123_456, tzinfo=timezone(timedelta(hours=1)))
    assert canonical.to_us(moment) == 1_767_225_600_123_456
    assert canonical.to_us(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=2**52 + 1)) == 2**52 + 1
    with pytest.raises(ValueError):
        canonical.to_us(datetime(2026, 1, 1))
