"""Every write to the transparency log, and the proofs read from it.

- `log_append`: one entry, inside the caller's deciding transaction (bid, open, close, seller decision,
  second-chance offer). The caller keeps the auction's `seq` on its locked auction row; the body is built with
  transparency.canonical and appended by the SQL function gavel_log_append (migration 0002).
- `reserve_seal`: the sealed reserve of an opening auction (the salt stays in ReserveSeal until the close).
- `receipts_sign`: the signed receipts of a request's bid entries — after the commit, no database needed.
- `tree_head_publish`: a signed tree head of the log as it stands (the beat task and every close call it).
- proofs and documents: `inclusion`, `consistency`, `heads_document_build`, `auction_export_build`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.clock import db_now
from core.exceptions import ApplicationError, ValidationFailed
from transparency import canonical
from transparency.commitment import SealedReserve
from transparency.export import auction_export, heads_document
from transparency.keys import log_key
from transparency.merkle import MerkleTree, NodeKey
from transparency.models import LogEntry, LogNode, LogPublicKey, LogState, ReserveSeal, SignedHead
from transparency.signing import LogKey, SignedTreeHead

_BUILDERS: dict[str, Callable[..., bytes]] = {
    "bid": canonical.bid, "extension": canonical.extension, "reserve_met": canonical.reserve_met,
    "closed": canonical.closed, "seller_decision": canonical.seller_decision,
    "second_chance_offer": canonical.second_chance_offer, "withdrawal": canonical.withdrawal,
    "sale_void": canonical.sale_void,
}
# Serializes head publication, so a larger head is never dated before a smaller one.
_HEAD_LOCK = 0x6761_7665_6C48  # "gavelH"


@dataclass(frozen=True)
class LoggedEntry:
    index: int
    body: bytes

    @property
    def kind(self) -> str:
        return canonical.parse_entry(self.body)["kind"]


class LogNotReady(ApplicationError):
    code = "log_not_ready"
    status_code = 409

    def default_message(self):
        return _("The log has no signed tree head containing this yet; try again in a moment.")


def log_append(*, kind: str, auction_id: int, seq: int, at_us: int, **fields) -> LoggedEntry:
    """Append one entry (its canonical body built here) and return it with its leaf index. Must run inside the
    transaction that decided the event: the entry commits or rolls back with it."""
    if not connection.in_atomic_block:
        raise RuntimeError("log_append runs inside the deciding transaction")
    if kind == "opened":
        if seq != 1:
            raise ValueError("an auction's opened entry is its seq 1")
        body = canonical.opened(auction_id=auction_id, at_us=at_us, **fields)
    else:
        body = _BUILDERS[kind](auction_id=auction_id, seq=seq, at_us=at_us, **fields)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT gavel_log_append(%s, %s, %s)", [auction_id, kind, body.decode("utf-8")])
            index = cursor.fetchone()[0]
    else:
        index = _append_in_python(auction_id=auction_id, kind=kind, body=body)
    return LoggedEntry(index=index, body=body)


def _append_in_python(*, auction_id: int, kind: str, body: bytes) -> int:
    """gavel_log_append for SQLite (the embedded first run; SQLite allows one writer at a time)."""
    state, _ = LogState.objects.select_for_update().get_or_create(pk=1)
    index = state.size
    LogState.objects.filter(pk=1).update(size=index + 1)
    value = canonical_leaf_hash(body)
    LogEntry.objects.create(index=index, auction_id=auction_id, kind=kind, body=body.decode("utf-8"),
                            leaf_hash=value)
    level, i = 0, index
    while i & 1:
        left = DatabaseSubtreeStore().get_nodes([(level, i - 1)])[(level, i - 1)]
        value = hashlib.sha256(b"\x01" + left + value).digest()
        level, i = level + 1, i >> 1
        LogNode.objects.create(level=level, idx=i, hash=value)
    return index


def canonical_leaf_hash(body: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + body).digest()


class DatabaseSubtreeStore:
    """transparency.merkle.SubtreeStore over the tables: level 0 is LogEntry.leaf_hash, levels ≥ 1 LogNode.
    gavel_log_append writes both as leaves arrive, so the tree here only reads."""

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        leaves = [index for level, index in keys if level == 0]
        inner = [(level, index) for level, index in keys if level > 0]
        found: dict[NodeKey, bytes] = {}
        if leaves:
            found.update({(0, i): bytes(h) for i, h in
                          LogEntry.objects.filter(index__in=leaves).values_list("index", "leaf_hash")})
        if inner:
            where = Q()
            for level, index in inner:
                where |= Q(level=level, idx=index)
            found.update({(level, i): bytes(h) for level, i, h in
                          LogNode.objects.filter(where).values_list("level", "idx", "hash")})
        missing = set(keys) - set(found)
        if missing:
            raise KeyError(sorted(missing)[0])
        return found

    def put_nodes(self, nodes: Mapping[NodeKey, bytes]) -> None:
        raise TypeError("the log's subtrees are written by gavel_log_append as entries are appended")


def log_size() -> int:
    return LogState.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def log_tree(size: int | None = None) -> MerkleTree:
    """The log's tree as committed now (or its first `size` leaves)."""
    return MerkleTree(DatabaseSubtreeStore(), size=log_size() if size is None else size)


# -- the sealed reserve -----------------------------------------------------------------------------------------

def reserve_seal(*, auction_id: int, reserve_minor: int | None, report_fingerprint: str,
                 fee_schedule_version: str) -> SealedReserve:
    """Seal an auction's reserve (a fresh salt, stored privately); the commitment goes into its opened entry."""
    sealed = SealedReserve.seal(reserve_minor=reserve_minor, report_fingerprint=report_fingerprint,
                                fee_schedule_version=fee_schedule_version)
    ReserveSeal.objects.create(auction_id=auction_id, salt=sealed.salt, reserve_minor=reserve_minor,
                               report_fingerprint=report_fingerprint, fee_schedule_version=fee_schedule_version,
                               commitment=sealed.commitment().hex())
    return sealed


def reserve_opening(*, auction_id: int) -> dict | None:
    """The opening of an auction's commitment (publish only after its close); None when it was never sealed."""
    seal = ReserveSeal.objects.filter(auction_id=auction_id).first()
    if seal is None:
        return None
    return SealedReserve(salt=bytes(seal.salt), reserve_minor=seal.reserve_minor,
                         report_fingerprint=seal.report_fingerprint,
                         fee_schedule_version=seal.fee_schedule_version).opening()


# -- signatures -------------------------------------------------------------------------------------------------

def _publish_key(key: LogKey) -> None:
    LogPublicKey.objects.get_or_create(key_id=key.key_id, defaults={"public_key": key.public_json()["public_key"]})


def receipts_sign(entries: Sequence[LoggedEntry]) -> list[dict]:
    """The signed receipt of every bid entry among `entries` (after the commit; signing needs no database)."""
    key = log_key()
    return [key.receipt(entry_body=entry.body, leaf_index=entry.index) for entry in entries
            if entry.kind == "bid"]


def public_keys() -> list[dict]:
    """Every key that ever signed for the log, the current one included."""
    key = log_key()
    keys = [k.as_json() for k in LogPublicKey.objects.all()]
    if key.key_id not in {k["key_id"] for k in keys}:
        keys.append(key.public_json())
    return keys


def _as_signed(head: SignedHead) -> SignedTreeHead:
    return SignedTreeHead(tree_size=head.tree_size, timestamp_us=head.timestamp_us, root_hash=bytes(head.root_hash),
                          key_id=head.key_id, signature=bytes(head.signature))


def tree_head_publish() -> SignedHead:
    """Sign the log's head as committed now; the latest head again when nothing was appended since."""
    key = log_key()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_HEAD_LOCK])
        size = log_size()
        latest = SignedHead.objects.order_by("-tree_size", "-timestamp_us", "-id").first()
        if latest is not None and latest.tree_size == size and latest.key_id == key.key_id:
            return latest
        _publish_key(key)
        signed = key.sign_tree_head(tree_size=size, timestamp_us=canonical.to_us(db_now()),
                                    root_hash=log_tree(size).root())
        return SignedHead.objects.create(tree_size=signed.tree_size, timestamp_us=signed.timestamp_us,
                                         root_hash=signed.root_hash, key_id=signed.key_id,
                                         signature=signed.signature)


def tree_head_publish_on_commit() -> None:
    """After the deciding transaction commits (a close): a signed head that contains it, on a worker (in-process
    when effects are not asynchronous: tests, the embedded first run)."""
    from transparency.tasks import tree_head_publish_task

    transaction.on_commit(tree_head_publish_task.delay if settings.GAVEL_NOTIFY_ASYNC else tree_head_publish)


# -- proofs and documents ---------------------------------------------------------------------------------------

def _int(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={name: [_("A whole number.")]}) from None
    if number < 0 or number > 2**63 - 1:
        raise ValidationFailed(fields={name: [_("Not a tree size or leaf index of this log.")]})
    return number


def heads_list(*, limit: int = 100) -> list[SignedHead]:
    return list(reversed(SignedHead.objects.order_by("-tree_size", "-timestamp_us", "-id")[:limit]))


def heads_document_build(*, limit: int = 100) -> dict:
    """gavel-tree-heads: the latest signed heads with the consistency proof between each two, and the keys."""
    heads = heads_list(limit=limit)
    top = max((h.tree_size for h in heads), default=0)
    return heads_document(tree=log_tree(top), heads=[_as_signed(h) for h in heads], public_keys=public_keys())


def _signed_size(value, name: str) -> int:
    """A tree size within the latest signed head (a proof is checked against signed roots)."""
    size = _int(value, name)
    signed = SignedHead.objects.order_by("-tree_size").values_list("tree_size", flat=True).first() or 0
    if size > signed:
        message = _("Larger than the latest signed tree head (%(size)s).") % {"size": signed}
        raise ValidationFailed(fields={name: [message]})
    return size


def consistency(*, first, second) -> dict:
    """The RFC 9162 consistency proof between two tree sizes (those of signed heads, to be checked against)."""
    first, second = _signed_size(first, "first"), _signed_size(second, "second")
    if first > second:
        raise ValidationFailed(fields={"first": [_("Must not be larger than second.")]})
    path = log_tree(second).consistency_proof(first, second)
    return {"first": first, "second": second, "path": [h.hex() for h in path]}


def inclusion(*, index, tree_size=None) -> dict:
    """The audit path of leaf `index` in a signed head (the latest one that contains it unless named)."""
    index = _int(index, "index")
    if tree_size is None:
        head = SignedHead.objects.filter(tree_size__gt=index).order_by("-tree_size").first()
        if head is None:
            raise LogNotReady()
        tree_size = head.tree_size
    else:
        tree_size = _signed_size(tree_size, "tree_size")
        if index >= tree_size:
            raise ValidationFailed(fields={"index": [_("This leaf is not in that tree.")]})
    entry = LogEntry.objects.filter(index=index).values_list("body", flat=True).first()
    path = log_tree(tree_size).inclusion_proof(index, tree_size)
    return {"index": index, "tree_size": tree_size, "entry": entry, "inclusion_path": [h.hex() for h in path]}


def auction_entries(*, auction_id: int) -> list[LoggedEntry]:
    return [LoggedEntry(index=i, body=body.encode("utf-8")) for i, body in
            LogEntry.objects.filter(auction_id=auction_id).order_by("index").values_list("index", "body")]


def auction_export_build(*, auction_id: int, with_opening: bool) -> bytes:
    """The export of one auction (docs/transparency.md): its entries proven against the latest signed head (one
    is signed first if the latest does not hold them all) and the first head that held its opened entry; the
    statement signed now; the opening of the commitment when `with_opening` (after the close)."""
    entries = auction_entries(auction_id=auction_id)
    if not entries:
        raise ApplicationError(_("This auction has nothing in the log."), code="not_logged")
    latest = SignedHead.objects.order_by("-tree_size", "-timestamp_us", "-id").first()
    if latest is None or latest.tree_size <= entries[-1].index:
        latest = tree_head_publish()
    first = SignedHead.objects.filter(tree_size__gt=entries[0].index).order_by("tree_size", "timestamp_us").first()
    heads = {h.pk: h for h in (first, latest) if h is not None}
    key = log_key()
    return auction_export(auction_id=auction_id, entries=[(e.index, e.body) for e in entries],
                          tree=log_tree(latest.tree_size), heads=[_as_signed(h) for h in heads.values()], key=key,
                          public_keys=public_keys(),
                          opening=reserve_opening(auction_id=auction_id) if with_opening else None)
