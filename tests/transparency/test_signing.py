"""The log key and what it signs: RFC 8032 key handling, the fixed byte layouts, the sealed reserve."""

import base64
import hashlib
import os
import stat

import pytest

from gavel_verify import formats
from transparency import canonical
from transparency.commitment import SealedReserve
from transparency.signing import LogKey, SigningKeyError, verify_receipt

# RFC 8032 §7.1, TEST 1: the secret key, its public key, and the signature of the empty message.
RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8032_SIGNATURE = ("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd"
                     "25bf5f0595bbe24655141438e7a100b")
KEY = LogKey.from_base64(base64.b64encode(bytes.fromhex(RFC8032_SECRET)).decode())


def test_the_environment_key_is_the_32_byte_rfc_8032_secret_in_base64():
    assert KEY.public_raw.hex() == RFC8032_PUBLIC
    assert KEY.private_key.sign(b"").hex() == RFC8032_SIGNATURE
    assert KEY.key_id == hashlib.sha256(bytes.fromhex(RFC8032_PUBLIC)).hexdigest()
    assert LogKey.from_base64(KEY.private_base64()).public_raw == KEY.public_raw


def test_the_key_comes_from_the_environment_first_then_from_a_pem_file(tmp_path):
    path = tmp_path / "keys" / "log.pem"
    other = LogKey.generate()
    other.write_new_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert LogKey.from_environment({"GAVEL_LOG_KEY_FILE": str(path)}).public_raw == other.public_raw
    both = {"GAVEL_LOG_KEY_FILE": str(path), "GAVEL_LOG_PRIVATE_KEY": KEY.private_base64()}
    assert LogKey.from_environment(both).public_raw == KEY.public_raw
    assert LogKey.from_environment({}) is None


def test_an_existing_key_file_is_never_overwritten(tmp_path):
    path = tmp_path / "log.pem"
    KEY.write_new_file(path)
    with pytest.raises(SigningKeyError, match="never overwritten"):
        LogKey.generate().write_new_file(path)
    assert LogKey.from_file(path).public_raw == KEY.public_raw


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode(), ""])
def test_a_malformed_environment_key_is_a_clear_error(value):
    with pytest.raises(SigningKeyError):
        LogKey.from_base64(value)


def test_a_key_file_that_is_not_an_ed25519_pem_key_is_a_clear_error(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    (tmp_path / "garbage.pem").write_text("hello")
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "ec.pem").write_bytes(ec_pem)
    for name, message in (("garbage.pem", "PEM"), ("ec.pem", "Ed25519"), ("missing.pem", "cannot read")):
        with pytest.raises(SigningKeyError, match=message):
            LogKey.from_file(tmp_path / name)


def test_a_tree_head_signs_the_documented_67_bytes():
    root = hashlib.sha256(b"root").digest()
    head = KEY.sign_tree_head(tree_size=1234, timestamp_us=1_767_225_600_000_000, root_hash=root)
    layout = b"gavel-tree-head-v1\x00" + (1234).to_bytes(8, "big") + (1_767_225_600_000_000).to_bytes(8, "big") + root
    assert len(layout) == 67
    assert formats.tree_head_message(tree_size=1234, timestamp_us=1_767_225_600_000_000, root_hash=root) == layout
    KEY.private_key.public_key().verify(head.signature, layout)
    assert head.verify(KEY.public_raw)
    assert not head.verify(LogKey.generate().public_raw)
    assert head.as_json()["key_id"] == KEY.key_id


def test_a_receipt_signs_the_documented_69_bytes_and_no_signature_passes_for_the_other_kind():
    body = canonical.bid(auction_id=7, seq=2, at_us=1_767_225_610_000_000, alias="Dealer 1", amount_minor=10_000_00,
                         bid_kind="direct", bid_number=1)
    receipt = KEY.receipt(entry_body=body, leaf_index=42)
    leaf = hashlib.sha256(b"\x00" + body).digest()
    layout = (b"gavel-bid-receipt-v1\x00" + (42).to_bytes(8, "big") + (1_767_225_610_000_000).to_bytes(8, "big")
              + leaf)
    assert len(layout) == 69
    KEY.private_key.public_key().verify(base64.b64decode(receipt["signature"]), layout)
    assert verify_receipt(receipt, KEY.public_raw)
    assert receipt["server_time_us"] == 1_767_225_610_000_000 and receipt["entry"] == body.decode()
    # A receipt signature does not verify as a tree head over the same numbers, and the other way round.
    as_head = formats.tree_head_message(tree_size=42, timestamp_us=1_767_225_610_000_000, root_hash=leaf)
    assert not formats.signature_valid(public_key_raw=KEY.public_raw,
                                       signature=base64.b64decode(receipt["signature"]), message=as_head)
    with pytest.raises(ValueError):
        KEY.receipt(entry_body=canonical.reserve_met(auction_id=7, seq=3, at_us=1, price_minor=1), leaf_index=43)


def test_the_commitment_hashes_the_documented_layout():
    salt = bytes(range(32))
    fingerprint = hashlib.sha256(b"report").hexdigest()
    sealed = SealedReserve(salt=salt, reserve_minor=12_000_00, report_fingerprint=fingerprint,
                           fee_schedule_version="2026-01")
    layout = (b"gavel-reserve-commitment-v1\x00" + salt + b"\x01" + (12_000_00).to_bytes(8, "big")
              + bytes.fromhex(fingerprint) + (7).to_bytes(2, "big") + b"2026-01")
    assert sealed.commitment() == hashlib.sha256(layout).digest()
    no_reserve = SealedReserve(salt=salt, reserve_minor=None, report_fingerprint=fingerprint,
                               fee_schedule_version="2026-01")
    assert no_reserve.commitment() == hashlib.sha256(layout.replace(
        b"\x01" + (12_000_00).to_bytes(8, "big"), b"\x00" + bytes(8), 1)).digest()


def test_every_sealed_reserve_gets_its_own_salt_so_equal_reserves_do_not_show():
    a, b = (SealedReserve.seal(reserve_minor=12_000_00, report_fingerprint="ab" * 32, fee_schedule_version="1")
            for _ in range(2))
    assert a.salt != b.salt and a.commitment() != b.commitment()
    with pytest.raises(formats.FormatError):
        SealedReserve.seal(reserve_minor=0, report_fingerprint="ab" * 32, fee_schedule_version="1")
    with pytest.raises(formats.FormatError):
        SealedReserve.seal(reserve_minor=1, report_fingerprint="AB" * 32, fee_schedule_version="1")
