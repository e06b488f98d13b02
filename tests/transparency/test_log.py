"""The log in PostgreSQL: gavel_log_append, the append-only tables, tree heads and proofs, the key settings."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from gavel_verify.merkle import verify_consistency, verify_inclusion
from transparency import canonical, services
from transparency.merkle import MerkleTree, leaf_hash
from transparency.models import LogEntry, LogNode

ROOT = Path(__file__).resolve().parents[2]


def _append(n: int, *, auction_id: int = 1) -> list[services.LoggedEntry]:
    with transaction.atomic():
        return [services.log_append(kind="extension", auction_id=auction_id, seq=i + 2, at_us=1_000 + i,
                                    ends_at_us=2_000_000 + i) for i in range(n)]


def _memory_tree() -> MerkleTree:
    tree = MerkleTree()
    tree.extend(leaf_hash(body.encode()) for body in LogEntry.objects.order_by("index").values_list("body", flat=True))
    return tree


@pytest.mark.django_db
def test_appended_entries_get_gapless_indexes_and_the_stored_subtrees_give_the_rfc_root():
    logged = _append(37)

    assert [e.index for e in logged] == list(range(37))
    assert bytes(LogEntry.objects.get(index=5).leaf_hash) == leaf_hash(logged[5].body)
    assert LogNode.objects.count() == 37 - bin(37).count("1")  # one stored subtree per completed pair
    memory = _memory_tree()
    for size in (1, 2, 3, 16, 17, 36, 37):
        assert services.log_tree().root(size) == memory.root(size)


@pytest.mark.django_db
def test_the_body_is_the_canonical_json_of_the_entry():
    [entry] = _append(1, auction_id=7)
    assert LogEntry.objects.get(index=entry.index).body.encode() == entry.body == canonical.extension(
        auction_id=7, seq=2, at_us=1_000, ends_at_us=2_000_000)


@pytest.mark.django_db
@pytest.mark.parametrize("statement", [
    "UPDATE transparency_logentry SET body = '{}' WHERE index = 0",
    "DELETE FROM transparency_logentry WHERE index = 0",
    "UPDATE transparency_lognode SET hash = '\\x00'::bytea",
    "DELETE FROM transparency_signedhead",
])
def test_the_log_refuses_updates_and_deletes_whatever_the_code_path(statement):
    _append(2)
    services.tree_head_publish()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.mark.django_db
def test_an_entry_rolled_back_with_its_transaction_leaves_no_gap():
    _append(2)
    with pytest.raises(IntegrityError), transaction.atomic():
        services.log_append(kind="extension", auction_id=1, seq=9, at_us=1, ends_at_us=2)
        raise IntegrityError("the deciding transaction failed")
    assert _append(1)[0].index == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_serialize_on_the_log_state_without_gaps():
    def worker():
        try:
            _append(10)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert list(LogEntry.objects.values_list("index", flat=True)) == list(range(60))
    assert services.log_tree().root() == _memory_tree().root()


@pytest.mark.django_db
def test_a_tree_head_is_signed_once_per_size_and_its_proofs_verify():
    _append(5)
    first = services.tree_head_publish()
    assert services.tree_head_publish().pk == first.pk  # nothing new: the same head
    _append(8)
    second = services.tree_head_publish()
    assert (first.tree_size, second.tree_size) == (5, 13)
    assert second.timestamp_us >= first.timestamp_us

    proof = services.consistency(first=5, second=13)
    assert verify_consistency(first=5, second=13, first_hash=bytes(first.root_hash),
                              second_hash=bytes(second.root_hash),
                              consistency_path=[bytes.fromhex(h) for h in proof["path"]])
    inclusion = services.inclusion(index=3)
    assert inclusion["tree_size"] == 13
    assert verify_inclusion(leaf_index=3, tree_size=13, leaf=leaf_hash(inclusion["entry"].encode()),
                            root_hash=bytes(second.root_hash),
                            inclusion_path=[bytes.fromhex(h) for h in inclusion["inclusion_path"]])


@pytest.mark.django_db
def test_the_public_api_serves_heads_and_proofs_and_refuses_bad_input_with_400():
    _append(6)
    services.tree_head_publish()
    _append(3)
    services.tree_head_publish()
    api = APIClient()

    heads = api.get("/api/v1/transparency/heads/").json()
    assert heads["format"] == "gavel-tree-heads" and [h["tree_size"] for h in heads["tree_heads"]] == [6, 9]
    assert heads["consistency_proofs"][0]["first"] == 6 and heads["public_keys"]
    assert api.get("/api/v1/transparency/consistency/", {"first": 6, "second": 9}).status_code == 200
    assert api.get("/api/v1/transparency/inclusion/", {"index": 8}).json()["tree_size"] == 9

    assert api.get("/api/v1/transparency/consistency/", {"first": 7, "second": 10}).status_code == 400  # unsigned
    assert api.get("/api/v1/transparency/consistency/", {"first": 9, "second": 6}).status_code == 400
    assert api.get("/api/v1/transparency/consistency/", {"first": "x"}).status_code == 400
    assert api.get("/api/v1/transparency/inclusion/", {"index": 9, "tree_size": 9}).status_code == 400
    assert api.get("/api/v1/transparency/inclusion/", {"index": -1}).status_code == 400
    _append(1)
    assert api.get("/api/v1/transparency/inclusion/", {"index": 9}).status_code == 409  # no head holds it yet


@pytest.mark.django_db
def test_the_log_page_lists_heads_and_keys_and_shows_proofs_readably():
    _append(4)
    head = services.tree_head_publish()
    page = Client().get("/transparency/log/", {"index": 2, "first": 4, "second": 4})
    text = page.content.decode()
    assert page.status_code == 200
    assert bytes(head.root_hash).hex() in text and services.public_keys()[0]["public_key"] in text
    assert "Leaf 2 in the head of size 4" in text
    assert Client().get("/transparency/log/", {"index": "abc"}).status_code == 200  # a readable error, not a 500
    assert Client().get("/transparency/log/heads.json").json()["tree_heads"][0]["tree_size"] == 4


def _settings_process(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GAVEL_LOG_")}
    env = {**clean, "DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "gavel.example",
           "GAVEL_CARD_WEBHOOK_SECRET": "s" * 32, "GAVEL_ALLOW_SIMULATED_PROVIDERS": "1", **env}
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, capture_output=True,
                          text=True, env=env)


def test_production_refuses_to_start_without_a_log_key():
    result = _settings_process({})
    assert result.returncode != 0 and "GAVEL_LOG_PRIVATE_KEY or GAVEL_LOG_KEY_FILE must be set" in result.stderr


def test_the_key_command_creates_a_key_file_once_and_never_overwrites_it(tmp_path):
    path = tmp_path / "log-key.pem"
    run = [sys.executable, "manage.py", "transparency_key_create", "--path", str(path)]
    first = subprocess.run(run, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0 and "Created" in first.stdout and (path.stat().st_mode & 0o777) == 0o600
    again = subprocess.run(run, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode != 0 and "never overwritten" in again.stderr
    assert _settings_process({"GAVEL_LOG_KEY_FILE": str(path)}).returncode == 0
