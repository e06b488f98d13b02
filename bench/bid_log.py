"""What the transparency log costs an accepted bid, and a tree head's publication from the database.

    python -m bench bid_log [--bids 200] [--entries 100000]

1. In process, PostgreSQL: the same sequence of accepted bids (two dealers outbidding each other, one bid entry
   each) through `auctions.services.bid_place` on an auction in the log (entries appended by gavel_log_append in
   the bid's transaction, the receipt signed after the commit and sent to the bidder) and on an auction outside
   it (an auction that opened before the log: nothing appended, nothing signed). Three repeats, the order of the
   two alternating; the ratio is logged / not logged per repeat (goal <= 1.15).
2. The log filled with --entries entries (set by set, the rows gavel_log_append writes), 1,000 more appended by
   gavel_log_append one by one on top (its cost per entry), then a signed tree head published
   from the stored subtrees (`transparency.services.tree_head_publish`, three repeats), against two references
   measured in the same run: recomputing the root over every leaf hash read from the table, and hashing every
   entry's body as a leaf in a plain loop (SHA-256(0x00 || body), no tree: the floor of any head that re-reads
   the leaves).
"""

from __future__ import annotations

import statistics
import time

from bench.common import bench_env, recreate_database, setup_django

REPEATS = 3


def _auction(world_ids: list[int], *, logged: bool) -> int:
    from django.db import transaction

    from auctions.services.auction_log import auction_log_opened
    from auctions.services.common import lock_auction
    from core.clock import db_now

    auction_id = world_ids.pop()
    if logged:
        with transaction.atomic():
            auction = lock_auction(auction_id)
            auction_log_opened(auction, now=db_now())
            auction.save(update_fields=["log_seq"])
    return auction_id


def _bids(auction_id: int, dealers: list, count: int) -> float:
    """Seconds per accepted bid over `count` bids, alternating dealers at the minimum next amount."""
    from auctions.models import Auction
    from auctions.selectors import auction_minimum_next_bid
    from auctions.services import bid_place

    amount = auction_minimum_next_bid(Auction.objects.get(pk=auction_id))
    start = time.perf_counter()
    for n in range(count):
        result = bid_place(auction_id=auction_id, dealer=dealers[n % 2], amount_minor=amount)
        assert result.leading and (result.auction.log_seq == 0 or len(result.receipts) == 1)
        amount = auction_minimum_next_bid(result.auction)
    return (time.perf_counter() - start) / count


def _fill(entries: int) -> None:
    """`entries` entries appended one by one by gavel_log_append, in one statement."""
    from django.db import connection, transaction

    body = '{"at_us":1,"auction_id":0,"ends_at_us":2,"kind":"extension","seq":2,"v":1}'
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(gavel_log_append(0, 'extension', %s)) FROM generate_series(1, %s)",
                       [body, entries])


def _fill_in_bulk(entries: int) -> None:
    """The same rows gavel_log_append would write for `entries` more entries, written set by set: the entries with
    their leaf hashes in one INSERT, then each level's newly completed subtrees (RFC 9162: SHA-256(0x01 || left ||
    right)) in one INSERT per level, then the size. Only to reach a million entries in minutes; that the tree is
    right is checked below (the head published from the stored subtrees equals the root recomputed from every leaf).
    """
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT size FROM transparency_logstate WHERE id = 1 FOR UPDATE")
        row = cursor.fetchone()
        start = row[0] if row else 0
        end = start + entries
        cursor.execute(
            """INSERT INTO transparency_logentry ("index", auction_id, kind, body, leaf_hash, created_at)
               SELECT i, 0, 'extension', b, sha256('\\x00'::bytea || convert_to(b, 'UTF8')), clock_timestamp()
               FROM (SELECT i, format('{"at_us":1,"auction_id":0,"ends_at_us":2,"kind":"extension","seq":%%s,"v":1}',
                                      i) AS b FROM generate_series(%s::bigint, %s::bigint - 1) AS i) AS bodies""",
            [start, end])
        level = 1
        while (end >> level) > 0:
            children = ('(SELECT "index" AS idx, leaf_hash AS hash FROM transparency_logentry)' if level == 1 else
                        f"(SELECT idx, hash FROM transparency_lognode WHERE level = {level - 1})")
            cursor.execute(
                f"""INSERT INTO transparency_lognode (level, idx, hash)
                    SELECT %s, l.idx / 2, sha256('\\x01'::bytea || l.hash || r.hash)
                    FROM {children} AS l JOIN {children} AS r ON r.idx = l.idx + 1
                    WHERE l.idx %% 2 = 0 AND l.idx / 2 >= %s AND l.idx / 2 < %s""",
                [level, start >> level, end >> level])
            level += 1
        cursor.execute("INSERT INTO transparency_logstate (id, size) VALUES (1, %s) "
                       "ON CONFLICT (id) DO UPDATE SET size = EXCLUDED.size", [end])


def _head_reference() -> bytes:
    from transparency.merkle import MerkleTree
    from transparency.models import LogEntry

    tree = MerkleTree()
    tree.extend(bytes(h) for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True).iterator(
        chunk_size=10_000))
    return tree.root()


def _leaves_hashed_in_a_loop() -> int:
    import hashlib

    from transparency.models import LogEntry

    count = 0
    for body in LogEntry.objects.order_by("index").values_list("body", flat=True).iterator(chunk_size=10_000):
        hashlib.sha256(b"\x00" + body.encode("utf-8")).digest()
        count += 1
    return count


def main(*, bids: int = 200, entries: int = 100_000) -> int:
    env = bench_env(GAVEL_NOTIFY_ASYNC="0")
    recreate_database(env)
    setup_django(env)
    from accounts.models import User
    from bench.bidding import build_world

    world = build_world(dealers=2, auctions=2 * REPEATS + 1)
    dealers = list(User.objects.filter(pk__in=world.dealer_ids).select_related("dealer_profile").order_by("pk"))
    ids = list(world.auction_ids)
    print(f"Transparency log: cost per accepted bid, {bids} bids per run, in process (bid_place), PostgreSQL, "
          f"{REPEATS} repeats")
    _bids(_auction(ids, logged=True), dealers, 10)  # warm up: connections, the key, the code paths
    ratios = []
    for repeat in range(REPEATS):
        order = (False, True) if repeat % 2 == 0 else (True, False)
        per_bid = {logged: _bids(_auction(ids, logged=logged), dealers, bids) for logged in order}
        ratios.append(per_bid[True] / per_bid[False])
        print(f"  repeat {repeat + 1}: not logged {per_bid[False] * 1000:.2f} ms/bid, logged + receipt "
              f"{per_bid[True] * 1000:.2f} ms/bid -> ratio {ratios[-1]:.3f}")
    print(f"  -> logged/not-logged ratio per accepted bid: median {statistics.median(ratios):.3f} (goal <= 1.15)")

    from transparency import services

    start = time.perf_counter()
    _fill_in_bulk(entries)
    fill_s = time.perf_counter() - start
    appends = 1_000
    start = time.perf_counter()
    _fill(appends)  # appended one by one on top of the filled log, as the bid path does
    append_s = time.perf_counter() - start
    print(f"Tree head publication from the database at {services.log_size():,} entries "
          f"(filled set by set in {fill_s:.1f} s; then {appends:,} appended by gavel_log_append: "
          f"{append_s / appends * 1e6:.0f} µs per entry)")
    heads = []
    for _ in range(REPEATS):
        _fill(1)  # a new entry each time, so each publication signs a new head
        start = time.perf_counter()
        head = services.tree_head_publish()
        heads.append(time.perf_counter() - start)
    start = time.perf_counter()
    reference_root = _head_reference()
    reference_s = time.perf_counter() - start
    assert bytes(head.root_hash) == reference_root
    start = time.perf_counter()
    hashed = _leaves_hashed_in_a_loop()
    loop_s = time.perf_counter() - start
    print(f"  publish a signed head (size, root from stored subtrees, Ed25519, insert): "
          f"{', '.join(f'{t * 1000:.1f} ms' for t in heads)}")
    print(f"  reference: read every leaf hash and recompute the root: {reference_s * 1000:.0f} ms -> ratio "
          f"{statistics.median(heads) / reference_s:.2e}")
    print(f"  reference: read every body and hash it as a leaf in a plain loop ({hashed:,} leaves): "
          f"{loop_s * 1000:.0f} ms -> ratio {statistics.median(heads) / loop_s:.2e}")
    return 0
