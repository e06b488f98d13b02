"""RFC 9162 (Certificate Transparency 2.0) §2.1 Merkle tree hashing and proof verification, SHA-256.

Leaf hash: SHA-256(0x00 || d). Interior node: SHA-256(0x01 || left || right). The tree over n leaves
splits at k, the largest power of two smaller than n (RFC 9162 §2.1.1). The two verification functions
follow the RFC's numbered steps (§2.1.3.2 and §2.1.4.2) one for one; the step numbers are in the comments.

Standard library only: this module is part of the stand-alone verifier and is also what the server uses
to check its own proofs (transparency.merkle generates them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = HASH()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _well_formed(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(*, leaf_index: int, tree_size: int, leaf: bytes, inclusion_path: Sequence[bytes],
                     root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2: is the leaf hash `leaf` at `leaf_index` in the tree of `tree_size` with `root_hash`?"""
    if not _well_formed(leaf, root_hash, *inclusion_path) or leaf_index < 0 or tree_size < 0:
        return False
    # 1. Compare leaf_index from the inclusion_proof_v2 structure against tree_size. If leaf_index is
    #    greater than or equal to tree_size, then fail the proof verification.
    if leaf_index >= tree_size:
        return False
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = leaf_index, tree_size - 1
    # 3. Set r to hash.
    r = leaf
    # 4. For each value p in the inclusion_path array:
    for p in inclusion_path:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # i. Set r to HASH(0x01 || p || r).
            r = node_hash(p, r)
            # ii. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn)
            #     is set or fn is 0.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        # Otherwise:
        else:
            # i. Set r to HASH(0x01 || r || p).
            r = node_hash(r, p)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the root_hash
    #    are equal, then the log has proven the inclusion of hash. Otherwise, fail the proof verification.
    return sn == 0 and r == root_hash


def verify_consistency(*, first: int, second: int, first_hash: bytes, second_hash: bytes,
                       consistency_path: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (`first`, `first_hash`) a prefix of the tree (`second`, `second_hash`)?

    The RFC's algorithm is for 0 < first < second. The two cases it leaves out have nothing to prove, so
    the proof must be empty: a tree is consistent with itself (same size and root), and the empty tree
    (root HASH()) with every tree. Anything else fails (a first tree larger than the second, too)."""
    if not _well_formed(first_hash, second_hash, *consistency_path) or first < 0 or second < 0:
        return False
    if first == second:
        return not consistency_path and first_hash == second_hash
    if first == 0:
        return not consistency_path and first_hash == EMPTY_ROOT
    if first > second:
        return False
    path = list(consistency_path)
    # 1. If consistency_path is an empty array, stop and fail the proof verification.
    if not path:
        return False
    # 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = first - 1, second - 1
    # 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. Set both fr and sr to the first value in the consistency_path array.
    fr = sr = path[0]
    # 6. For each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # i. Set fr to HASH(0x01 || c || fr).
            fr = node_hash(c, fr)
            # ii. Set sr to HASH(0x01 || c || sr).
            sr = node_hash(c, sr)
            # iii. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn)
            #      is set or fn is 0.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        # Otherwise:
        else:
            # i. Set sr to HASH(0x01 || sr || c).
            sr = node_hash(sr, c)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 7. After completing iterating through the consistency_path array as described above, verify that
    #    the fr calculated is equal to the first_hash supplied, that the sr calculated is equal to the
    #    second_hash supplied, and that sn is 0.
    return fr == first_hash and sr == second_hash and sn == 0
