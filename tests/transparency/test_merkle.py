"""The Merkle tree against the published RFC 6962/9162 reference vectors and an independent naive implementation.

The vectors: the 8 leaves "", 00, 10, 2021, 3031, 40414243, 5051525354555657, 606162636465666768696a6b6c6d6e6f,
with the roots of their first 1..8 leaves and the inclusion and consistency proofs below, are the reference
vectors of the Certificate Transparency implementations, copied from transparency-dev/merkle
`proof/verify_test.go` (the same values are in google/certificate-transparency's C++ `merkle_tree_test.cc`
and the Go CT library). There the inclusion vectors name leaves from 1; here they are 0-based indices.
The naive implementation below transcribes RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 recursively, over the
leaf data, sharing nothing with transparency.merkle but SHA-256.
"""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gavel_verify.merkle import EMPTY_ROOT, leaf_hash, node_hash, verify_consistency, verify_inclusion
from transparency.merkle import MemorySubtreeStore, MerkleTree

LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"]]
ROOTS = {  # tree size -> root hash
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
INCLUSION = [  # (leaf index, tree size, audit path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (first size, second size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def h(values):
    return [bytes.fromhex(v) for v in values]


# -- the naive reference: RFC 9162 §2.1 written out over the data ------------------------------------------------

def _k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(data):
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = _k(len(data))
    return hashlib.sha256(b"\x01" + naive_mth(data[:k]) + naive_mth(data[k:])).digest()


def naive_path(m, data):
    if len(data) == 1:
        return []
    k = _k(len(data))
    if m < k:
        return naive_path(m, data[:k]) + [naive_mth(data[k:])]
    return naive_path(m - k, data[k:]) + [naive_mth(data[:k])]


def naive_subproof(m, data, b):
    n = len(data)
    if m == n:
        return [] if b else [naive_mth(data)]
    k = _k(n)
    if m <= k:
        return naive_subproof(m, data[:k], b) + [naive_mth(data[k:])]
    return naive_subproof(m - k, data[k:], False) + [naive_mth(data[:k])]


def tree_of(data):
    tree = MerkleTree()
    for item in data:
        tree.append(leaf_hash(item))
    return tree


REFERENCE_TREE = tree_of(LEAVES)


# -- the published vectors -----------------------------------------------------------------------------------------

def test_the_hashes_are_the_rfc_leaf_and_node_hashes():
    assert leaf_hash(b"") == bytes.fromhex(ROOTS[1])
    assert EMPTY_ROOT == bytes.fromhex(ROOTS[0])
    assert node_hash(leaf_hash(LEAVES[0]), leaf_hash(LEAVES[1])) == bytes.fromhex(ROOTS[2])


@pytest.mark.parametrize("size", range(9))
def test_the_root_of_every_prefix_matches_the_reference_vectors(size):
    assert REFERENCE_TREE.root(size).hex() == ROOTS[size]
    assert tree_of(LEAVES[:size]).root().hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors_and_verify(index, size, path):
    assert REFERENCE_TREE.inclusion_proof(index, size) == h(path)
    assert verify_inclusion(leaf_index=index, tree_size=size, leaf=leaf_hash(LEAVES[index]), inclusion_path=h(path),
                            root_hash=bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors_and_verify(first, second, proof):
    assert REFERENCE_TREE.consistency_proof(first, second) == h(proof)
    assert verify_consistency(first=first, second=second, first_hash=bytes.fromhex(ROOTS[first]),
                              second_hash=bytes.fromhex(ROOTS[second]), consistency_path=h(proof))


def _inclusion_probes(index, size, path, root, leaf):
    """The corruptions transparency-dev/merkle's verifier tests try: none may verify."""
    probes = [(index - 1, size, root, leaf, path), (index + 1, size, root, leaf, path),
              (index ^ 2, size, root, leaf, path),
              (index, size * 2, root, leaf, path), (index, size // 2, root, leaf, path),
              (index, size, root, hashlib.sha256(b"WrongLeaf").digest(), path),
              (index, size, EMPTY_ROOT, leaf, path), (index, size, SOME_HASH, leaf, path),
              (index, size, root, leaf, [*path, root]), (index, size, root, leaf, [root, *path])]
    for i in range(len(path)):
        wrong = list(path)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((index, size, root, leaf, wrong))
    if path:
        probes.append((index, size, root, leaf, path[:-1]))
    if len(path) > 1:
        probes.append((index, size, root, leaf, [path[0], SOME_HASH, *path[1:]]))
    return probes


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION[1:])
def test_corrupted_inclusion_proofs_fail(index, size, path):
    root, leaf = bytes.fromhex(ROOTS[size]), leaf_hash(LEAVES[index])
    for probe_index, probe_size, probe_root, probe_leaf, probe_path in _inclusion_probes(index, size, h(path), root,
                                                                                         leaf):
        assert not verify_inclusion(leaf_index=probe_index, tree_size=probe_size, leaf=probe_leaf,
                                    inclusion_path=probe_path, root_hash=probe_root), (probe_index, probe_size)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_proofs_fail(first, second, proof):
    proof = h(proof)
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    probes = [(first - 1, second, r1, r2, proof), (first + 1, second, r1, r2, proof),
              (first ^ 2, second, r1, r2, proof), (first, second * 2, r1, r2, proof),
              (first, second // 2, r1, r2, proof), (first, second, SOME_HASH, r2, proof),
              (first, second, r1, SOME_HASH, proof), (first, second, r2, r1, proof), (first, second, r1, r2, []),
              (first, second, r1, r2, [*proof, r1]), (first, second, r1, r2, [*proof, r2]),
              (first, second, r1, r2, [r1, *proof]), (first, second, r1, r2, [r2, *proof]),
              (first, second, r1, r2, [proof[0], *proof]), (first, second, r1, r2, proof[:-1])]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((first, second, r1, r2, wrong))
    for a, b, ra, rb, path in probes:
        assert not verify_consistency(first=a, second=b, first_hash=ra, second_hash=rb, consistency_path=path), \
            (a, b, path == proof)


def test_the_trivial_consistency_cases():
    root = bytes.fromhex(ROOTS[3])
    assert verify_consistency(first=3, second=3, first_hash=root, second_hash=root, consistency_path=[])
    assert not verify_consistency(first=3, second=3, first_hash=root, second_hash=SOME_HASH, consistency_path=[])
    assert not verify_consistency(first=3, second=3, first_hash=root, second_hash=root, consistency_path=[root])
    assert verify_consistency(first=0, second=3, first_hash=EMPTY_ROOT, second_hash=root, consistency_path=[])
    assert not verify_consistency(first=0, second=3, first_hash=SOME_HASH, second_hash=root, consistency_path=[])
    assert not verify_consistency(first=4, second=3, first_hash=root, second_hash=root, consistency_path=[])
    assert REFERENCE_TREE.consistency_proof(0, 5) == [] and REFERENCE_TREE.consistency_proof(5, 5) == []


def test_an_inclusion_proof_for_a_leaf_outside_the_tree_is_refused():
    with pytest.raises(ValueError):
        REFERENCE_TREE.inclusion_proof(8, 8)
    with pytest.raises(ValueError):
        REFERENCE_TREE.root(9)
    assert not verify_inclusion(leaf_index=0, tree_size=0, leaf=SOME_HASH, inclusion_path=[], root_hash=EMPTY_ROOT)


# -- against the naive implementation, every shape --------------------------------------------------------------

def test_every_root_and_proof_of_trees_up_to_70_leaves_equals_the_naive_rfc_recursion():
    data = [i.to_bytes(2, "big") * (i % 5) for i in range(70)]
    tree = tree_of(data)
    for n in range(1, 71):
        root = naive_mth(data[:n])
        assert tree.root(n) == root
        for m in range(n):
            path = tree.inclusion_proof(m, n)
            assert path == naive_path(m, data[:n])
            assert verify_inclusion(leaf_index=m, tree_size=n, leaf=leaf_hash(data[m]), inclusion_path=path,
                                    root_hash=root)
        for m in range(1, n):
            proof = tree.consistency_proof(m, n)
            assert proof == naive_subproof(m, data[:n], True)
            assert verify_consistency(first=m, second=n, first_hash=naive_mth(data[:m]), second_hash=root,
                                      consistency_path=proof)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 3000), data=st.data())
def test_proofs_of_random_shapes_verify_and_fail_for_a_neighbour(size, data):
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)]
    tree = MerkleTree()
    # Appended in random batches: the stored subtrees must not depend on how the leaves arrived.
    position = 0
    while position < size:
        batch = data.draw(st.integers(1, max(1, size - position)))
        tree.extend(leaves[position:position + batch])
        position += batch
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    root = tree.root()
    path = tree.inclusion_proof(index)
    assert verify_inclusion(leaf_index=index, tree_size=size, leaf=leaves[index], inclusion_path=path, root_hash=root)
    if size > 1:
        other = (index + 1) % size
        assert not verify_inclusion(leaf_index=other, tree_size=size, leaf=leaves[index], inclusion_path=path,
                                    root_hash=root)
    proof = tree.consistency_proof(first)
    assert verify_consistency(first=first, second=size, first_hash=tree.root(first), second_hash=root,
                              consistency_path=proof)
    if first < size:
        assert not verify_consistency(first=first, second=size, first_hash=tree.root(first - 1) if first > 1 else
                                      SOME_HASH, second_hash=root, consistency_path=proof)


def test_a_tree_reopened_on_its_store_continues_where_it_stopped():
    data = [bytes([i]) for i in range(50)]
    first = tree_of(data[:21])
    reopened = MerkleTree(first.store, size=21)
    reopened.extend(leaf_hash(d) for d in data[21:])
    assert reopened.root() == naive_mth(data)
    assert reopened.root(21) == naive_mth(data[:21])


class CountingStore(MemorySubtreeStore):
    """Counts the calls a database table would answer with one query each."""

    def __init__(self):
        super().__init__()
        self.reads = []

    def get_nodes(self, keys):
        self.reads.append(len(keys))
        return super().get_nodes(keys)


def test_a_tree_head_and_proofs_of_a_large_tree_are_one_batch_of_few_stored_hashes():
    size = (1 << 20) + 12_345
    store = CountingStore()
    tree = MerkleTree(store)
    tree.extend(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size))
    store.reads.clear()
    root = tree.root()
    path = tree.inclusion_proof(777_777)
    proof = tree.consistency_proof(1_000_001)
    assert len(store.reads) == 3  # one batch each
    assert store.reads[0] == bin(size).count("1")  # the head: one stored subtree per 1-bit of the size
    assert max(store.reads) <= 21 * 21  # at most log2(n) ranges of at most log2(n) perfect subtrees
    leaf = hashlib.sha256((777_777).to_bytes(4, "big")).digest()
    assert verify_inclusion(leaf_index=777_777, tree_size=size, leaf=leaf, inclusion_path=path, root_hash=root)
    assert verify_consistency(first=1_000_001, second=size, first_hash=tree.root(1_000_001), second_hash=root,
                              consistency_path=proof)


class TableLikeStore:
    """A SubtreeStore the way a table implements it: a key-value mapping, written by put_nodes only."""

    def __init__(self):
        self.rows, self.writes = {}, 0

    def get_nodes(self, keys):
        return {key: self.rows[key] for key in keys}

    def put_nodes(self, nodes):
        self.writes += 1
        for key, value in nodes.items():
            assert self.rows.setdefault(key, value) == value, key


def test_a_store_other_than_memory_gets_one_write_per_append_call_and_the_same_tree():
    data = [bytes([i % 256, i // 256]) for i in range(300)]
    store = TableLikeStore()
    tree = MerkleTree(store)
    for start in range(0, 300, 37):
        tree.extend(leaf_hash(d) for d in data[start:start + 37])
    assert store.writes == len(range(0, 300, 37))
    assert len(store.rows) == 2 * 300 - bin(300).count("1")  # every complete perfect subtree, leaves included
    for n in (1, 37, 64, 299, 300):
        assert tree.root(n) == naive_mth(data[:n])
    assert tree.inclusion_proof(123, 300) == naive_path(123, data)
    assert tree.consistency_proof(100, 300) == naive_subproof(100, data, True)
