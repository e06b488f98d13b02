"""The log's Merkle tree (RFC 9162 §2.1): tree heads and proofs from stored subtree hashes.

Hashing and proof *verification* are the stand-alone verifier's (gavel_verify.merkle, re-exported here),
so the server checks its own proofs with the code everybody else runs. This module *generates*:

- MTH(D[n]) — the tree head — for any n up to the current size;
- PATH(m, D[n]) — the inclusion proof (audit path) of leaf m in the tree of size n (RFC 9162 §2.1.3.1);
- PROOF(m, D[n]) — the consistency proof between the trees of sizes m and n (RFC 9162 §2.1.4.1).

How it stays fast at a million entries and more: every hash those need is the hash of a range of leaves
that the RFC's recursion produces, and such a range splits into at most ~log2(n) *perfect* subtrees (2^k
leaves starting at a multiple of 2^k), whose hashes never change once complete. The tree stores each
perfect subtree's hash when it completes (one node per leaf, on average), so a tree head is a fold of at
most 64 stored hashes and a proof needs at most 64 × 64 — fetched in one batch from the store. Appending
keeps a compact range (the stack of perfect-subtree roots covering [0, size)): each leaf costs on average
one node hash, and writes the subtrees it completes.

Node keys: (level, index) is the perfect subtree of 2^level leaves starting at leaf index << level;
level 0 holds the leaf hashes themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

from gavel_verify.merkle import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash, verify_consistency, verify_inclusion

__all__ = [
    "EMPTY_ROOT", "HASH_SIZE", "MemorySubtreeStore", "MerkleTree", "NodeKey", "SubtreeStore", "leaf_hash",
    "node_hash", "verify_consistency", "verify_inclusion",
]

NodeKey = tuple[int, int]


class SubtreeStore(Protocol):
    """Where the hashes of complete perfect subtrees live. Append-only: a stored node never changes.

    A database table implements it later as (level smallint, idx bigint, hash bytea, primary key (level,
    idx)) — or serves level 0 from the log table's leaf_hash column and stores levels ≥ 1 — with one
    `SELECT … WHERE (level, idx) IN (…)` per call to get_nodes."""

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        """The hash of every key asked for (KeyError if one is missing)."""

    def put_nodes(self, nodes: Mapping[NodeKey, bytes]) -> None:
        """Store newly completed subtrees (re-storing the same hash is allowed, a different one is not)."""


class MemorySubtreeStore:
    """SubtreeStore in memory: one list per level, filled left to right as the tree grows."""

    def __init__(self):
        self.levels: list[list[bytes]] = []

    def get_nodes(self, keys: Collection[NodeKey]) -> dict[NodeKey, bytes]:
        levels = self.levels
        found = {}
        for level, index in keys:
            try:
                found[(level, index)] = levels[level][index]
            except IndexError:
                raise KeyError((level, index)) from None
        return found

    def put_nodes(self, nodes: Mapping[NodeKey, bytes]) -> None:
        for (level, index), value in sorted(nodes.items()):
            while len(self.levels) <= level:
                self.levels.append([])
            row = self.levels[level]
            if index == len(row):
                row.append(value)
            elif index < len(row):
                if row[index] != value:
                    raise ValueError(f"subtree {(level, index)} is already stored with another hash")
            else:
                raise ValueError(f"subtree {(level, index)} stored out of order (level {level} has {len(row)})")

    def extend_level(self, level: int, first_index: int, values: list[bytes]) -> None:
        """Bulk append (what MerkleTree.extend uses): `values` continue the level from `first_index`."""
        while len(self.levels) <= level:
            self.levels.append([])
        if len(self.levels[level]) != first_index:
            raise ValueError(f"level {level} has {len(self.levels[level])} nodes; cannot add from {first_index}")
        self.levels[level].extend(values)


def _split(n: int) -> int:
    """k: the largest power of two smaller than n (n ≥ 2), where the RFC splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect_cover(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees that make up the leaf range [start, end), largest first.

    For the ranges the RFC's recursion produces (start is a multiple of a power of two ≥ end - start) the
    Merkle Tree Hash of the range is the right fold of these: node(P1, node(P2, … Pk))."""
    keys = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"[{start}, {end}) is not a range of the RFC's tree shape")
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fold(keys: Sequence[NodeKey], nodes: Mapping[NodeKey, bytes]) -> bytes:
    value = nodes[keys[-1]]
    for key in reversed(keys[:-1]):
        value = node_hash(nodes[key], value)
    return value


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) as leaf ranges, leaf level first."""
    ranges = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            ranges.append((start + k, end))
            end = start + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            ranges.append((start, start + k))
            start, m = start + k, m - k
    ranges.reverse()
    return ranges


def _consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as leaf ranges, in proof order."""
    ranges = []
    start, end, m, whole = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not whole:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}; with true it is {}
                ranges.append((start, end))
            break
        k = _split(n)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            ranges.append((start + k, end))
            end = start + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    ranges.reverse()
    return ranges


class MerkleTree:
    """An append-only RFC 9162 tree over leaf hashes kept in a SubtreeStore.

    `size` is the number of leaves the store holds (the log's own count, when the store is a table)."""

    def __init__(self, store: SubtreeStore | None = None, *, size: int = 0):
        self.store = store if store is not None else MemorySubtreeStore()
        self._size = size
        self._compact: list[tuple[int, bytes]] | None = None  # loaded on the first append

    @property
    def size(self) -> int:
        return self._size

    def _compact_range(self) -> list[tuple[int, bytes]]:
        """(level, hash) of the perfect subtrees covering [0, size), largest first."""
        if self._compact is None:
            keys = _perfect_cover(0, self._size)
            nodes = self.store.get_nodes(keys)
            self._compact = [(level, nodes[(level, index)]) for level, index in keys]
        return self._compact

    def append(self, leaf: bytes) -> int:
        """Append one leaf hash; return its index."""
        index = self._size
        self.extend([leaf])
        return index

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append leaf hashes (SHA-256(0x00 || entry), 32 bytes each) and store the subtrees they complete."""
        stack = list(self._compact_range())
        index = self._size
        new: list[list[bytes]] = [[]]
        first_new = [index]  # the index of the first node each level gets in this call
        hash_node = node_hash
        for leaf in leaves:
            if len(leaf) != HASH_SIZE:
                raise ValueError("a leaf hash is 32 bytes")
            new[0].append(leaf)
            level, value = 0, leaf
            # The leaf closes one subtree per trailing 1-bit of its index: merge them up the stack.
            i = index
            while i & 1:
                _, left = stack.pop()
                value = hash_node(left, value)
                level += 1
                i >>= 1
                if len(new) <= level:
                    new.append([])
                    first_new.append(i)
                new[level].append(value)
            stack.append((level, value))
            index += 1
        if isinstance(self.store, MemorySubtreeStore):
            for level, values in enumerate(new):
                if values:
                    self.store.extend_level(level, first_new[level], values)
        else:  # one write for the whole call (one INSERT for a table)
            self.store.put_nodes({(level, first_new[level] + offset): value
                                  for level, values in enumerate(new) for offset, value in enumerate(values)})
        self._size, self._compact = index, stack

    def _hashes_of(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        covers = [_perfect_cover(start, end) for start, end in ranges]
        nodes = self.store.get_nodes({key for cover in covers for key in cover})
        return [_fold(cover, nodes) for cover in covers]

    def _check_size(self, size: int | None) -> int:
        size = self._size if size is None else size
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= self._size:
            raise ValueError(f"tree size {size!r} is not between 0 and {self._size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[size]): the root hash of the first `size` leaves (default: all)."""
        size = self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._hashes_of([(0, size)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]): the audit path of leaf `index` in the tree of `size` leaves."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of size {size}")
        return self._hashes_of(_inclusion_ranges(index, size))

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[second]): shows the tree of `first` leaves is a prefix of the tree of `second`."""
        second = self._check_size(second)
        if not 0 <= first <= second:
            raise ValueError(f"no consistency proof from size {first} to size {second}")
        if first in (0, second):
            return []
        return self._hashes_of(_consistency_ranges(first, second))
