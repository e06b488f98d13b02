"""The documents anyone can check with gavel-verify: an auction's export and a list of signed tree heads.

Export (format "gavel-auction-export", version 1), written as canonical JSON plus one newline, so that a
change to any byte of the file is detected:

    {"auction_id": n,
     "consistency_proofs": [{"first": m, "second": n, "path": [hex, …]}, …],  between consecutive heads
     "entries": [{"entry": "<the entry's canonical JSON, as a string>", "inclusion_path": [hex, …],
                  "index": leaf index, "tree_size": the head it is proven against}, …],      in log order
     "format": "gavel-auction-export",
     "opening": {"fee_schedule_version", "report_fingerprint", "reserve_minor", "salt"} | null (before close),
     "public_keys": [{"key_id": hex, "public_key": base64}, …],
     "statement": {"entry_count", "key_id", "last_index", "signature", "tree_size"},
     "tree_heads": [{"key_id", "root_hash", "signature", "timestamp_us", "tree_size"}, …],
     "version": 1}

The statement is signed by the log key: "in the tree of tree_size leaves this auction has exactly entry_count
entries, the last at leaf last_index" — so an export cut short at its end does not pass for an older one.

Tree heads (format "gavel-tree-heads", version 1): {"consistency_proofs", "format", "public_keys",
"tree_heads", "version"} with the same shapes, what `gavel-verify --heads` reads from a file or a URL.
"""

from __future__ import annotations

from collections.abc import Sequence

from gavel_verify import formats
from transparency.merkle import MerkleTree
from transparency.signing import LogKey, SignedTreeHead


def _heads_and_proofs(tree: MerkleTree, heads: Sequence[SignedTreeHead]) -> tuple[list[dict], list[dict]]:
    ordered = sorted(heads, key=lambda head: head.tree_size)
    for head in ordered:
        if tree.root(head.tree_size) != head.root_hash:
            raise ValueError(f"the signed head of size {head.tree_size} does not match the tree")
    proofs = [{"first": older.tree_size, "second": newer.tree_size,
               "path": [h.hex() for h in tree.consistency_proof(older.tree_size, newer.tree_size)]}
              for older, newer in zip(ordered, ordered[1:], strict=False) if older.tree_size != newer.tree_size]
    return [head.as_json() for head in ordered], proofs


def auction_export(*, auction_id: int, entries: Sequence[tuple[int, bytes]], tree: MerkleTree,
                   heads: Sequence[SignedTreeHead], key: LogKey, public_keys: Sequence[dict],
                   opening: dict | None) -> bytes:
    """The export of one auction: `entries` are all its (leaf index, body) in log order, each proven against
    the largest of `heads` (which must contain them all); `key` signs the statement; `public_keys` name every
    key that signed a head; `opening` is SealedReserve.opening() after the close, else None."""
    if not heads or not entries:
        raise ValueError("an export needs entries and at least one signed tree head")
    head_docs, proofs = _heads_and_proofs(tree, heads)
    target = max(head.tree_size for head in heads)
    logged = []
    for index, body in entries:
        if index >= target:
            raise ValueError(f"entry {index} is not in the latest signed head (size {target}); sign a new head")
        logged.append({"index": index, "entry": body.decode("utf-8"), "tree_size": target,
                       "inclusion_path": [h.hex() for h in tree.inclusion_proof(index, target)]})
    document = {"format": formats.EXPORT_FORMAT, "version": formats.FORMAT_VERSION, "auction_id": auction_id,
                "public_keys": list(public_keys), "entries": logged, "tree_heads": head_docs,
                "consistency_proofs": proofs, "opening": opening,
                "statement": key.sign_statement(auction_id=auction_id, entry_count=len(entries),
                                                last_index=entries[-1][0], tree_size=target)}
    return formats.canonical_json(document) + b"\n"


def heads_document(*, tree: MerkleTree, heads: Sequence[SignedTreeHead], public_keys: Sequence[dict]) -> dict:
    """Signed tree heads with the consistency proof between each two consecutive ones."""
    head_docs, proofs = _heads_and_proofs(tree, heads)
    return {"format": formats.HEADS_FORMAT, "version": formats.FORMAT_VERSION, "public_keys": list(public_keys),
            "tree_heads": head_docs, "consistency_proofs": proofs}
