"""The transparency log's tree at a million entries, in memory (no database, no Django).

    python -m bench tree_head [--entries 1000000]

Figures: appending N leaf hashes (every perfect subtree hash computed and stored), the tree head of N
entries from the stored subtrees (what the publication task does), an inclusion and a consistency proof
against it, signing the head, and verifying a proof. The reference for the head is the full
recomputation over all N leaf hashes (what a tree without stored subtrees would do at each publication):
the head's time is printed as a fraction of it, and of hashing the N leaves in a plain loop (no tree at all).
The same from the database (entries appended by gavel_log_append, the head published by the service) is
`python -m bench bid_log`.
"""

from __future__ import annotations

import hashlib
import statistics
import time

from gavel_verify.merkle import verify_consistency, verify_inclusion
from transparency.merkle import MemorySubtreeStore, MerkleTree
from transparency.signing import LogKey


def _timed(fn, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.3f} ms"


def main(*, entries: int = 1_000_000) -> int:
    print(f"Transparency log tree: {entries:,} entries, in memory")
    leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(entries)]

    store = MemorySubtreeStore()
    tree = MerkleTree(store)
    append_s, _ = _timed(lambda: tree.extend(leaves))
    full_s, _ = _timed(lambda: MerkleTree().extend(leaves))
    bodies = [i.to_bytes(8, "big") for i in range(entries)]
    loop_s, _ = _timed(lambda: [hashlib.sha256(b"\x00" + body).digest() for body in bodies])
    head_s, root = _timed(tree.root, repeat=101)
    key = LogKey.generate()
    sign_s, head = _timed(lambda: key.sign_tree_head(tree_size=entries, timestamp_us=0, root_hash=root), repeat=101)
    index, first = entries * 3 // 4 + 1, entries * 2 // 3 + 7
    inclusion_s, path = _timed(lambda: tree.inclusion_proof(index), repeat=101)
    consistency_s, proof = _timed(lambda: tree.consistency_proof(first), repeat=101)
    check_s, ok = _timed(lambda: verify_inclusion(leaf_index=index, tree_size=entries, leaf=leaves[index],
                                                  inclusion_path=path, root_hash=root), repeat=101)
    old_root = tree.root(first)
    assert ok and verify_consistency(first=first, second=entries, first_hash=old_root, second_hash=root,
                                     consistency_path=proof)
    assert head.verify(key.public_raw)
    subtrees = sum(len(level) for level in store.levels)

    rows = [
        (f"append {entries:,} leaf hashes (stores {subtrees:,} subtree hashes)",
         f"{append_s:.2f} s ({append_s / entries * 1e6:.2f} µs per entry)"),
        ("reference: recompute the root over all leaves", f"{full_s:.2f} s"),
        (f"reference: hash {entries:,} leaves in a plain loop (no tree)", f"{loop_s:.2f} s"),
        ("tree head from the stored subtrees", f"{_ms(head_s)} ({head_s / full_s:.1e} of the recomputation, "
                                               f"{head_s / loop_s:.1e} of the plain loop)"),
        ("sign the tree head (Ed25519)", _ms(sign_s)),
        ("publication: tree head + signature", _ms(head_s + sign_s)),
        (f"inclusion proof of leaf {index:,} ({len(path)} hashes)", _ms(inclusion_s)),
        (f"consistency proof {first:,} -> {entries:,} ({len(proof)} hashes)", _ms(consistency_s)),
        ("verify an inclusion proof (RFC 9162 §2.1.3.2)", _ms(check_s)),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print(f"  root {root.hex()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
