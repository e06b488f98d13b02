"""Read an auction export, tree heads and receipts, and check them, printing each check.

Every check has a name (the word before the colon in the output). The first failure stops the run with
`VerificationFailed(check, detail)`; a document that cannot be read at all raises `InputError`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from gavel_verify import formats, merkle, rules
from gavel_verify.formats import FormatError

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class VerificationFailed(Exception):
    def __init__(self, check: str, detail: str):
        super().__init__(f"{check}: {detail}")
        self.check, self.detail = check, detail


class InputError(Exception):
    """A file or URL that could not be read (not a verification result)."""


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    timestamp_us: int
    root_hash: bytes
    key_id: str
    signature: bytes
    source: str


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class LoggedEntry:
    index: int
    body: bytes
    entry: dict
    tree_size: int
    inclusion_path: tuple[bytes, ...]


@dataclass(frozen=True)
class Opening:
    salt: bytes
    reserve_minor: int | None
    report_fingerprint: bytes
    fee_schedule_version: str


@dataclass(frozen=True)
class Statement:
    entry_count: int
    last_index: int
    tree_size: int
    key_id: str
    signature: bytes


@dataclass(frozen=True)
class Export:
    auction_id: int
    public_keys: dict[str, bytes]
    entries: tuple[LoggedEntry, ...]
    tree_heads: tuple[TreeHead, ...]
    consistency_proofs: tuple[ConsistencyProof, ...]
    opening: Opening | None
    statement: Statement


@dataclass(frozen=True)
class HeadsDocument:
    public_keys: dict[str, bytes]
    tree_heads: tuple[TreeHead, ...]
    consistency_proofs: tuple[ConsistencyProof, ...]


@dataclass(frozen=True)
class Receipt:
    leaf_index: int
    body: bytes
    entry: dict
    server_time_us: int
    key_id: str
    signature: bytes
    source: str


# ---------------------------------------------------------------------------------------------------------------
# Reading documents (strict: exact keys, integers, lower-case hex, canonical base64)


def _fail(check: str, detail: str) -> NoReturn:
    raise VerificationFailed(check, detail)


def _object(value: Any, where: str, keys: Sequence[str]) -> dict:
    if not isinstance(value, dict):
        _fail("format", f"{where}: expected an object")
    if set(value) != set(keys):
        missing, extra = sorted(set(keys) - set(value)), sorted(set(value) - set(keys))
        _fail("format", f"{where}: " + "; ".join(p for p in (missing and f"missing {', '.join(missing)}",
                                                             extra and f"unknown {', '.join(extra)}") if p))
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        _fail("format", f"{where}: expected a list")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        _fail("format", f"{where}: expected a non-negative integer")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        _fail("format", f"{where}: expected a string")
    return value


def _wrap(check: str, fn: Callable, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except FormatError as exc:
        raise VerificationFailed(check, str(exc)) from None


def _public_keys(value: Any, where: str) -> dict[str, bytes]:
    keys = {}
    for i, item in enumerate(_list(value, where)):
        item = _object(item, f"{where}[{i}]", ["key_id", "public_key"])
        raw = _wrap("format", formats.b64, item["public_key"], f"{where}[{i}].public_key", size=32)
        if item["key_id"] != formats.key_id(raw):
            _fail("key-id", f"{where}[{i}]: key_id is not the SHA-256 of the public key")
        keys[item["key_id"]] = raw
    return keys


def _tree_head(value: Any, where: str, source: str) -> TreeHead:
    item = _object(value, where, ["tree_size", "timestamp_us", "root_hash", "key_id", "signature"])
    return TreeHead(tree_size=_int(item["tree_size"], f"{where}.tree_size"),
                    timestamp_us=_int(item["timestamp_us"], f"{where}.timestamp_us"),
                    root_hash=_wrap("format", formats.hex32, item["root_hash"], f"{where}.root_hash"),
                    key_id=_wrap("format", formats.hex32, item["key_id"], f"{where}.key_id").hex(),
                    signature=_wrap("format", formats.b64, item["signature"], f"{where}.signature", size=64),
                    source=source)


def _hashes(value: Any, where: str) -> tuple[bytes, ...]:
    return tuple(_wrap("format", formats.hex32, h, f"{where}[{i}]") for i, h in enumerate(_list(value, where)))


def _consistency(value: Any, where: str) -> ConsistencyProof:
    item = _object(value, where, ["first", "second", "path"])
    return ConsistencyProof(first=_int(item["first"], f"{where}.first"), second=_int(item["second"], f"{where}.second"),
                            path=_hashes(item["path"], f"{where}.path"))


def parse_export(data: bytes) -> Export:
    """The export file: canonical JSON (optionally followed by one newline), so that any changed byte shows."""
    if data.endswith(b"\n"):
        data = data[:-1]
    doc = _wrap("format", formats.parse_canonical_json, data)
    doc = _object(doc, "export", ["format", "version", "auction_id", "public_keys", "entries", "tree_heads",
                                  "consistency_proofs", "opening", "statement"])
    if doc["format"] != formats.EXPORT_FORMAT or doc["version"] != formats.FORMAT_VERSION:
        _fail("format", f"export: expected format {formats.EXPORT_FORMAT!r} version {formats.FORMAT_VERSION}")
    entries = []
    for i, item in enumerate(_list(doc["entries"], "entries")):
        where = f"entries[{i}]"
        item = _object(item, where, ["index", "entry", "tree_size", "inclusion_path"])
        body = _str(item["entry"], f"{where}.entry").encode("utf-8")
        entry = _wrap("entry-format", formats.parse_entry, body)
        entries.append(LoggedEntry(index=_int(item["index"], f"{where}.index"), body=body, entry=entry,
                                   tree_size=_int(item["tree_size"], f"{where}.tree_size"),
                                   inclusion_path=_hashes(item["inclusion_path"], f"{where}.inclusion_path")))
    opening = None
    if doc["opening"] is not None:
        item = _object(doc["opening"], "opening", ["salt", "reserve_minor", "report_fingerprint",
                                                   "fee_schedule_version"])
        reserve = item["reserve_minor"]
        if reserve is not None and (isinstance(reserve, bool) or not isinstance(reserve, int) or reserve <= 0):
            _fail("format", "opening.reserve_minor: a positive integer or null")
        opening = Opening(salt=_wrap("format", formats.hex32, item["salt"], "opening.salt"), reserve_minor=reserve,
                          report_fingerprint=_wrap("format", formats.hex32, item["report_fingerprint"],
                                                   "opening.report_fingerprint"),
                          fee_schedule_version=_str(item["fee_schedule_version"], "opening.fee_schedule_version"))
    item = _object(doc["statement"], "statement", ["entry_count", "last_index", "tree_size", "key_id", "signature"])
    statement = Statement(entry_count=_int(item["entry_count"], "statement.entry_count"),
                          last_index=_int(item["last_index"], "statement.last_index"),
                          tree_size=_int(item["tree_size"], "statement.tree_size"),
                          key_id=_wrap("format", formats.hex32, item["key_id"], "statement.key_id").hex(),
                          signature=_wrap("format", formats.b64, item["signature"], "statement.signature", size=64))
    return Export(auction_id=_int(doc["auction_id"], "auction_id"), statement=statement,
                  public_keys=_public_keys(doc["public_keys"], "public_keys"), entries=tuple(entries),
                  tree_heads=tuple(_tree_head(h, f"tree_heads[{i}]", "export")
                                   for i, h in enumerate(_list(doc["tree_heads"], "tree_heads"))),
                  consistency_proofs=tuple(_consistency(p, f"consistency_proofs[{i}]")
                                           for i, p in enumerate(_list(doc["consistency_proofs"],
                                                                       "consistency_proofs"))),
                  opening=opening)


def _loads(data: bytes, where: str) -> Any:
    """Lenient about whitespace (tree heads come from an API), strict about everything else."""
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=formats.reject_duplicate_keys,
                          parse_float=formats.reject_non_integer, parse_constant=formats.reject_non_integer)
    except (UnicodeDecodeError, json.JSONDecodeError, FormatError) as exc:
        raise VerificationFailed("format", f"{where}: {exc}") from None


def parse_heads(data: bytes, source: str) -> HeadsDocument:
    doc = _object(_loads(data, source), source, ["format", "version", "public_keys", "tree_heads",
                                                 "consistency_proofs"])
    if doc["format"] != formats.HEADS_FORMAT or doc["version"] != formats.FORMAT_VERSION:
        _fail("format", f"{source}: expected format {formats.HEADS_FORMAT!r} version {formats.FORMAT_VERSION}")
    return HeadsDocument(public_keys=_public_keys(doc["public_keys"], f"{source}: public_keys"),
                         tree_heads=tuple(_tree_head(h, f"{source}: tree_heads[{i}]", source)
                                          for i, h in enumerate(_list(doc["tree_heads"], "tree_heads"))),
                         consistency_proofs=tuple(_consistency(p, f"{source}: consistency_proofs[{i}]")
                                                  for i, p in enumerate(_list(doc["consistency_proofs"],
                                                                              "consistency_proofs"))))


def parse_receipts(data: bytes, source: str) -> list[Receipt]:
    """One receipt object, or a list of them."""
    doc = _loads(data, source)
    items = doc if isinstance(doc, list) else [doc]
    receipts = []
    for i, item in enumerate(items):
        where = f"{source}[{i}]" if isinstance(doc, list) else source
        item = _object(item, where, ["format", "version", "leaf_index", "entry", "server_time_us", "key_id",
                                     "signature"])
        if item["format"] != formats.RECEIPT_FORMAT or item["version"] != formats.FORMAT_VERSION:
            _fail("format", f"{where}: expected format {formats.RECEIPT_FORMAT!r} version {formats.FORMAT_VERSION}")
        body = _str(item["entry"], f"{where}.entry").encode("utf-8")
        receipts.append(Receipt(leaf_index=_int(item["leaf_index"], f"{where}.leaf_index"), body=body,
                                entry=_wrap("entry-format", formats.parse_entry, body),
                                server_time_us=_int(item["server_time_us"], f"{where}.server_time_us"),
                                key_id=_wrap("format", formats.hex32, item["key_id"], f"{where}.key_id").hex(),
                                signature=_wrap("format", formats.b64, item["signature"], f"{where}.signature",
                                                size=64),
                                source=where))
    return receipts


def read_source(source: str) -> bytes:
    """A file path, or an http(s) URL fetched with urllib."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": "application/json",  # noqa: S310 - http(s)
                                                          "User-Agent": "gavel-verify"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only, checked above
                data = response.read(MAX_DOCUMENT_BYTES + 1)
        except (urllib.error.URLError, OSError) as exc:
            raise InputError(f"could not fetch {source}: {exc}") from None
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise InputError(f"could not read {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{source} is larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


# ---------------------------------------------------------------------------------------------------------------
# The checks


class Verifier:
    """Runs the checks; `say(status, check, detail)` hears each one ("ok") and each remark ("note")."""

    def __init__(self, say: Callable[[str, str, str], None]):
        self._say = say
        self.passed = 0

    def ok(self, check: str, detail: str) -> None:
        self.passed += 1
        self._say("ok", check, detail)

    def note(self, check: str, detail: str) -> None:
        """Information that is not a check of its own (not counted)."""
        self._say("note", check, detail)

    # -- keys and heads -------------------------------------------------------------------------------------------

    def trusted_keys(self, *, pinned: dict[str, bytes] | None, documents: Sequence[dict[str, bytes]]) -> dict:
        if pinned:
            for keys in documents:
                for kid in keys:
                    if kid not in pinned:
                        self.note("public-key", f"ignoring key {kid} named in a document: not a pinned key")
            for kid in pinned:
                self.note("public-key", f"trusting the pinned key {kid}")
            return dict(pinned)
        trusted: dict[str, bytes] = {}
        for keys in documents:
            trusted.update(keys)
        if not trusted:
            _fail("public-key", "no public key: give --public-key, or an export or heads document that names one")
        for kid in trusted:
            self.note("public-key", f"trusting key {kid} as named in the documents; compare it with the key Gavel "
                                    "publishes, or pin it with --public-key")
        return trusted

    def heads(self, heads: Sequence[TreeHead], proofs: Sequence[ConsistencyProof],
              keys: dict[str, bytes]) -> dict[int, TreeHead]:
        """Check every head's signature, that heads agree, and that each is a prefix of the next."""
        for head in heads:
            if head.key_id not in keys:
                _fail("head-signature", f"the tree head of size {head.tree_size} ({head.source}) is signed by an "
                                        f"unknown key {head.key_id}")
            message = formats.tree_head_message(tree_size=head.tree_size, timestamp_us=head.timestamp_us,
                                                root_hash=head.root_hash)
            if not formats.signature_valid(public_key_raw=keys[head.key_id], signature=head.signature,
                                           message=message):
                _fail("head-signature", f"the tree head of size {head.tree_size} ({head.source}) has a bad "
                                        "signature")
        if heads:
            self.ok("head-signature", f"{len(heads)} signed tree head(s), every signature valid")
        by_size: dict[int, TreeHead] = {}
        for head in heads:
            seen = by_size.setdefault(head.tree_size, head)
            if seen.root_hash != head.root_hash:
                _fail("head-fork", f"two signed tree heads of size {head.tree_size} with different roots "
                                   f"({seen.source}, {head.source}): the log forked")
        ordered = [by_size[size] for size in sorted(by_size)]
        for older, newer in zip(ordered, ordered[1:], strict=False):
            if newer.timestamp_us < older.timestamp_us:
                _fail("head-order", f"the head of size {newer.tree_size} is dated before the smaller head of size "
                                    f"{older.tree_size}")
        available = {(p.first, p.second): p for p in proofs}
        for older, newer in zip(ordered, ordered[1:], strict=False):
            proof = available.get((older.tree_size, newer.tree_size))
            if proof is None:
                _fail("consistency", f"no consistency proof from the head of size {older.tree_size} to the head "
                                     f"of size {newer.tree_size}")
            if not merkle.verify_consistency(first=older.tree_size, second=newer.tree_size,
                                             first_hash=older.root_hash, second_hash=newer.root_hash,
                                             consistency_path=proof.path):
                _fail("consistency", f"the head of size {older.tree_size} is not a prefix of the head of size "
                                     f"{newer.tree_size}: the consistency proof fails")
            self.ok("consistency", f"the tree of size {older.tree_size} is a prefix of the tree of size "
                                   f"{newer.tree_size} (RFC 9162 §2.1.4.2)")
        return by_size

    # -- the auction ----------------------------------------------------------------------------------------------

    def export(self, export: Export, heads_by_size: dict[int, TreeHead], keys: dict[str, bytes]) -> None:
        entries = export.entries
        if not entries:
            _fail("sequence", "the export has no entries")
        for logged in entries:
            if logged.entry["auction_id"] != export.auction_id:
                _fail("entry-format", f"the entry at index {logged.index} is for auction "
                                      f"{logged.entry['auction_id']}, not {export.auction_id}")
        for before, after in zip(entries, entries[1:], strict=False):
            if after.index <= before.index:
                _fail("entry-order", f"the entry at index {after.index} is listed after index {before.index}: "
                                     "entries must be in log order")
        for logged in entries:
            head = heads_by_size.get(logged.tree_size)
            if head is None:
                _fail("inclusion", f"the entry at index {logged.index} is proven against a tree of size "
                                   f"{logged.tree_size}, and no signed head has that size")
            if not merkle.verify_inclusion(leaf_index=logged.index, tree_size=logged.tree_size,
                                           leaf=merkle.leaf_hash(logged.body), inclusion_path=logged.inclusion_path,
                                           root_hash=head.root_hash):
                _fail("inclusion", f"the entry at index {logged.index} (seq {logged.entry['seq']}, "
                                   f"{logged.entry['kind']}) is not in the signed tree of size {logged.tree_size}")
            if logged.entry["at_us"] > head.timestamp_us:
                _fail("entry-time", f"the entry at index {logged.index} is dated after the tree head of size "
                                    f"{head.tree_size} that contains it")
        sizes = sorted({logged.tree_size for logged in entries})
        self.ok("inclusion", f"all {len(entries)} entries are in the signed tree(s) of size "
                             f"{', '.join(map(str, sizes))} (RFC 9162 §2.1.3.2), each dated before its head")

        for position, logged in enumerate(entries, start=1):
            if logged.entry["seq"] != position:
                _fail("sequence", f"the entry at index {logged.index} has seq {logged.entry['seq']}, expected "
                                  f"{position}: an entry is missing or out of place")
        if entries[0].entry["kind"] != "opened":
            _fail("sequence", "the first entry is not the auction's opening")
        for before, after in zip(entries, entries[1:], strict=False):
            if after.entry["at_us"] < before.entry["at_us"]:
                _fail("time-order", f"entry {after.entry['seq']} is dated before entry {before.entry['seq']}")
        self.ok("sequence", f"entries 1..{len(entries)} of auction {export.auction_id}, none missing, in time order")
        self.statement(export, heads_by_size, keys)

        reserve: rules.Reserve = rules.UNKNOWN
        opened = entries[0].entry
        closed = any(logged.entry["kind"] == "closed" for logged in entries)
        if export.opening is None:
            if closed:
                _fail("commitment", "the auction closed and the export has no opening of the reserve commitment")
            self.ok("commitment", "the auction has not closed: the reserve is still sealed")
        else:
            if not closed:
                _fail("commitment", "an opening before the close: the reserve must stay sealed until then")
            o = export.opening
            value = _wrap("commitment", formats.commitment, salt=o.salt, reserve_minor=o.reserve_minor,
                          report_fingerprint=o.report_fingerprint, fee_schedule_version=o.fee_schedule_version)
            if value.hex() != opened["commitment"]:
                _fail("commitment", "the opening (salt, reserve, report fingerprint, fee schedule version) does not "
                                    "hash to the commitment logged when the auction opened")
            reserve = o.reserve_minor
            self.ok("commitment", f"the opening matches the commitment logged at the start: reserve "
                                  f"{rules.money(o.reserve_minor, opened['currency'])}, report "
                                  f"{o.report_fingerprint.hex()[:16]}…, fee schedule {o.fee_schedule_version}")
        try:
            rules.replay([logged.entry for logged in entries], reserve_minor=reserve, say=self.ok)
        except rules.RuleBroken as exc:
            raise VerificationFailed(exc.check, exc.detail) from None

    def statement(self, export: Export, heads_by_size: dict[int, TreeHead], keys: dict[str, bytes]) -> None:
        """Gavel's signed word that the export holds all the auction's entries up to a tree size."""
        st = export.statement
        if st.key_id not in keys:
            _fail("completeness", f"the export's statement is signed by an unknown key {st.key_id}")
        message = formats.statement_message(auction_id=export.auction_id, entry_count=st.entry_count,
                                            last_index=st.last_index, tree_size=st.tree_size)
        if not formats.signature_valid(public_key_raw=keys[st.key_id], signature=st.signature, message=message):
            _fail("completeness", "the export's statement (auction, entry count, last index, tree size) has a bad "
                                  "signature")
        if st.entry_count != len(export.entries) or st.last_index != export.entries[-1].index:
            _fail("completeness", f"Gavel signed that auction {export.auction_id} has {st.entry_count} entries, the "
                                  f"last at index {st.last_index}; the export holds {len(export.entries)}, the last "
                                  f"at index {export.entries[-1].index}")
        if st.tree_size not in heads_by_size or st.last_index >= st.tree_size:
            _fail("completeness", f"the statement's tree size {st.tree_size} is not a signed head that holds the "
                                  "last entry")
        self.ok("completeness", f"Gavel signed that auction {export.auction_id} has exactly {st.entry_count} entries "
                                f"in the tree of size {st.tree_size}: none left out")

    # -- receipts -------------------------------------------------------------------------------------------------

    def receipts(self, receipts: Sequence[Receipt], keys: dict[str, bytes], export: Export | None) -> None:
        logged = {e.index: e for e in export.entries} if export is not None else {}
        currency = export.entries[0].entry.get("currency") if export is not None else None
        for receipt in receipts:
            if receipt.key_id not in keys:
                _fail("receipt-signature", f"{receipt.source} is signed by an unknown key {receipt.key_id}")
            message = formats.receipt_message(leaf_index=receipt.leaf_index, server_time_us=receipt.server_time_us,
                                              leaf_hash=merkle.leaf_hash(receipt.body))
            if not formats.signature_valid(public_key_raw=keys[receipt.key_id], signature=receipt.signature,
                                           message=message):
                _fail("receipt-signature", f"{receipt.source}: the signature does not match the entry, index and "
                                           "time")
            entry = receipt.entry
            if entry["kind"] != "bid" or receipt.server_time_us != entry["at_us"]:
                _fail("receipt-signature", f"{receipt.source}: a receipt is for a bid entry, at the entry's time")
            amount = (rules.money(entry["amount_minor"], currency) if currency
                      else f"{entry['amount_minor']} minor units")
            self.ok("receipt-signature", f"{receipt.source}: Gavel signed that it accepted bid {entry['bid_number']} "
                                         f"on auction {entry['auction_id']}, {entry['alias']} {amount} "
                                         f"({entry['bid_kind']}), at {rules.when(receipt.server_time_us)}, log index "
                                         f"{receipt.leaf_index}")
            if export is None:
                continue
            if entry["auction_id"] != export.auction_id:
                _fail("receipt-in-export", f"{receipt.source} is for auction {entry['auction_id']}, the export for "
                                           f"auction {export.auction_id}")
            found = logged.get(receipt.leaf_index)
            if found is None or found.body != receipt.body:
                _fail("receipt-in-export", f"{receipt.source}: the signed bid at log index {receipt.leaf_index} is "
                                           "missing from the export (or differs)")
            self.ok("receipt-in-export", f"{receipt.source}: the bid is in the export at log index "
                                         f"{receipt.leaf_index}")


def verify(*, export: Export | None, heads_documents: Sequence[HeadsDocument] = (), receipts: Sequence[Receipt] = (),
           pinned_keys: dict[str, bytes] | None = None, say: Callable[[str, str, str], None]) -> int:
    """Run every check; return how many passed, or raise VerificationFailed at the first failure."""
    verifier = Verifier(say)
    keys = verifier.trusted_keys(pinned=pinned_keys, documents=[
        *([export.public_keys] if export is not None else []), *(d.public_keys for d in heads_documents)])
    heads = [*(export.tree_heads if export is not None else ()), *(h for d in heads_documents for h in d.tree_heads)]
    proofs = [*(export.consistency_proofs if export is not None else ()),
              *(p for d in heads_documents for p in d.consistency_proofs)]
    heads_by_size = verifier.heads(heads, proofs, keys)
    if export is not None:
        verifier.export(export, heads_by_size, keys)
    verifier.receipts(receipts, keys, export)
    return verifier.passed
