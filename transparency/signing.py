"""Gavel's log key (Ed25519, via `cryptography`): loading it, and signing tree heads and bid receipts.

The key
    From the environment, GAVEL_LOG_PRIVATE_KEY: base64 (standard, padded) of the 32-byte raw Ed25519
    private key; or from a PEM file (PKCS#8, unencrypted) named by GAVEL_LOG_KEY_FILE. The environment
    variable wins when both are set. Its public half is published as base64 of the 32 raw bytes; its name,
    key_id, is the hex SHA-256 of those 32 bytes, and every signature says which key made it.

What is signed (Ed25519 over exactly these bytes; integers are unsigned 64-bit big-endian)
    tree head:    "gavel-tree-head-v1" 0x00 || tree_size || timestamp_us || root_hash (32)        — 67 bytes
    bid receipt:  "gavel-bid-receipt-v1" 0x00 || leaf_index || server_time_us || leaf_hash (32)   — 69 bytes
    export statement: "gavel-auction-statement-v1" 0x00 || auction_id || entry_count || last_index ||
                  tree_size                                                                         — 59 bytes
    The distinct prefixes keep a signature on one from passing for the other. The layouts are defined once,
    in gavel_verify.formats, which the verifier uses too.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gavel_verify import formats
from gavel_verify.merkle import leaf_hash

ENV_PRIVATE_KEY = "GAVEL_LOG_PRIVATE_KEY"
ENV_KEY_FILE = "GAVEL_LOG_KEY_FILE"


class SigningKeyError(ValueError):
    """No usable log key (missing, unreadable, or not an Ed25519 private key)."""


@dataclass(frozen=True)
class SignedTreeHead:
    tree_size: int
    timestamp_us: int
    root_hash: bytes
    key_id: str
    signature: bytes

    def as_json(self) -> dict:
        return {"tree_size": self.tree_size, "timestamp_us": self.timestamp_us, "root_hash": self.root_hash.hex(),
                "key_id": self.key_id, "signature": formats.b64_text(self.signature)}

    def verify(self, public_key_raw: bytes) -> bool:
        return formats.signature_valid(
            public_key_raw=public_key_raw, signature=self.signature,
            message=formats.tree_head_message(tree_size=self.tree_size, timestamp_us=self.timestamp_us,
                                              root_hash=self.root_hash))


@dataclass(frozen=True)
class LogKey:
    private_key: Ed25519PrivateKey

    # -- making and loading -----------------------------------------------------------------------------------

    @classmethod
    def generate(cls) -> LogKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_base64(cls, text: str) -> LogKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise SigningKeyError(f"{ENV_PRIVATE_KEY} is not base64") from None
        if len(raw) != 32:
            raise SigningKeyError(f"{ENV_PRIVATE_KEY} must hold the 32 raw bytes of an Ed25519 private key, "
                                  f"not {len(raw)}")
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    @classmethod
    def from_pem(cls, data: bytes) -> LogKey:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"not an unencrypted PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"the log key must be Ed25519, not {type(key).__name__}")
        return cls(key)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> LogKey:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise SigningKeyError(f"cannot read the log key file {path}: {exc.strerror or exc}") from None
        return cls.from_pem(data)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> LogKey | None:
        """The key GAVEL_LOG_PRIVATE_KEY or GAVEL_LOG_KEY_FILE names; None when neither is set."""
        environ = os.environ if environ is None else environ
        if environ.get(ENV_PRIVATE_KEY):
            return cls.from_base64(environ[ENV_PRIVATE_KEY])
        if environ.get(ENV_KEY_FILE):
            return cls.from_file(environ[ENV_KEY_FILE])
        return None

    # -- writing ----------------------------------------------------------------------------------------------

    def private_base64(self) -> str:
        """The value for GAVEL_LOG_PRIVATE_KEY."""
        return formats.b64_text(self.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()))

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())

    def write_new_file(self, path: str | os.PathLike) -> None:
        """Write the key as PEM to a new file readable by its owner only; never overwrite one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise SigningKeyError(f"{path} exists already; a log key is never overwritten") from None
        with os.fdopen(fd, "wb") as handle:
            handle.write(self.private_pem())

    # -- the public half --------------------------------------------------------------------------------------

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                          serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return formats.key_id(self.public_raw)

    def public_json(self) -> dict:
        """How the key is published (and named in exports): {"key_id": hex, "public_key": base64}."""
        return {"key_id": self.key_id, "public_key": formats.b64_text(self.public_raw)}

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)

    # -- signing ----------------------------------------------------------------------------------------------

    def sign_tree_head(self, *, tree_size: int, timestamp_us: int, root_hash: bytes) -> SignedTreeHead:
        message = formats.tree_head_message(tree_size=tree_size, timestamp_us=timestamp_us, root_hash=root_hash)
        return SignedTreeHead(tree_size=tree_size, timestamp_us=timestamp_us, root_hash=root_hash,
                              key_id=self.key_id, signature=self.private_key.sign(message))

    def sign_receipt(self, *, leaf_index: int, server_time_us: int, leaf_hash: bytes) -> bytes:
        return self.private_key.sign(formats.receipt_message(leaf_index=leaf_index, server_time_us=server_time_us,
                                                             leaf_hash=leaf_hash))

    def sign_statement(self, *, auction_id: int, entry_count: int, last_index: int, tree_size: int) -> dict:
        """The export's signed statement of how many entries the auction has as of a tree size."""
        signature = self.private_key.sign(formats.statement_message(
            auction_id=auction_id, entry_count=entry_count, last_index=last_index, tree_size=tree_size))
        return {"entry_count": entry_count, "last_index": last_index, "tree_size": tree_size, "key_id": self.key_id,
                "signature": formats.b64_text(signature)}

    def receipt(self, *, entry_body: bytes, leaf_index: int) -> dict:
        """A dealer's receipt for an accepted bid: the entry, its leaf index, the server time, the signature."""
        entry = formats.parse_entry(entry_body)
        if entry["kind"] != "bid":
            raise ValueError("receipts are for bid entries")
        signature = self.sign_receipt(leaf_index=leaf_index, server_time_us=entry["at_us"],
                                      leaf_hash=leaf_hash(entry_body))
        return {"format": formats.RECEIPT_FORMAT, "version": formats.FORMAT_VERSION, "leaf_index": leaf_index,
                "entry": entry_body.decode("utf-8"), "server_time_us": entry["at_us"], "key_id": self.key_id,
                "signature": formats.b64_text(signature)}


def verify_receipt(receipt: Mapping, public_key_raw: bytes) -> bool:
    """Does the receipt's signature hold for its entry, leaf index and server time under this key?"""
    body = receipt["entry"].encode("utf-8")
    return formats.signature_valid(
        public_key_raw=public_key_raw, signature=base64.b64decode(receipt["signature"]),
        message=formats.receipt_message(leaf_index=receipt["leaf_index"], server_time_us=receipt["server_time_us"],
                                        leaf_hash=leaf_hash(body)))
