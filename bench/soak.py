"""Soak: dealers bidding over many auctions at half the load the server sustains, for ten minutes, through the
production process model (gunicorn's sync workers, the outbox worker, a Celery closer and worker, and beat), with
an Idempotency-Key on every bid and some requests sent twice with their key.

    python -m bench soak [--soak-seconds 600] [--warmup-seconds 60] [--clients 16] [--workers 4] [--auctions 200]

First a short burst without pacing measures the bid requests/s the server sustains; the soak then paces the clients
at half of it. Every 10 s it samples the resident memory of every server process (and of their workers), the
PostgreSQL connections to the bench database, Redis memory (the bench database's own keys, and the whole server's
used_memory, which other programs on the same Redis move too) and the idempotency keys stored. Keys are kept for
KEY_TTL and beat runs the pruning task every PRUNE_SECONDS (GAVEL_IDEMPOTENCY_KEY_HOURS and
GAVEL_IDEMPOTENCY_PRUNE_SECONDS, set short here so pruning shows within the run).

Goals (issue 18, absolute): resident memory of each server process grows < 10 % after the warm-up; PostgreSQL
connections stay flat (after the warm-up, the maximum of the last third of the samples no higher than that of the
first); Redis memory stays flat (the bench database's cache state grows < 10 % after the warm-up, and its queues, the
outbox stream and Celery's, whose size is the moment's backlog, are empty within 60 s of the load stopping);
idempotency keys are pruned by the scheduled task (some pruned, none left older than the window plus one interval);
no accepted bid is lost or out of order (`bid_audit`: every acceptance a client was told of is in the database as
told, each auction's bids strictly increase in the order they were accepted, and the transparency log holds the
same bids in the same order). Redis's server-wide used_memory is printed too, but other programs on the same
Redis move it. The samples are written to BENCH_SOAK_SAMPLES (a JSON file; /tmp by default).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bench.common import (
    BENCH_DB,
    Http,
    Sample,
    bench_env,
    celery,
    http_server,
    http_server_name,
    ms,
    outbox_worker,
    percentile,
    recreate_database,
    run_threads,
    setup_django,
)

KEY_TTL = "2min"  # GAVEL_IDEMPOTENCY_KEY_HOURS for the soak
KEY_TTL_SECONDS = 120
PRUNE_SECONDS = 30  # GAVEL_IDEMPOTENCY_PRUNE_SECONDS: beat's interval for the pruning task
SAMPLE_SECONDS = 10
BURST_SECONDS = 20
RETRY_SHARE = 0.05  # requests sent a second time with the same key, as a client that lost the answer would
GROWTH_GOAL_PCT = 10.0


# The audit ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """An accepted bid as the client was told (a 201's `placed` item that is its own)."""

    auction_id: int
    sequence: int
    dealer_id: int
    amount_minor: int


@dataclass(frozen=True)
class StoredBid:
    auction_id: int
    sequence: int
    bid_id: int
    dealer_id: int
    amount_minor: int
    created_at: datetime
    is_visible: bool = True


@dataclass(frozen=True)
class LoggedBid:
    """A `bid` entry of the auction's transparency log."""

    auction_id: int
    seq: int
    bid_number: int
    amount_minor: int


def bid_audit(answers: Iterable[Answer], bids: Iterable[StoredBid], logged: Iterable[LoggedBid]) -> dict[str, list]:
    """Problems, by kind (each an empty list when all is well):

    - lost: an acceptance a client was told of that the database does not hold as told (the auction's bid with
      that sequence missing, or another dealer's or amount);
    - out_of_order: an auction's visible bids, in the order they were accepted (their sequence), not strictly
      increasing in amount, or their ids or database times going backwards, or sequences with a gap;
    - log: the auction's `bid` entries in the transparency log, in log order, not the same amounts as its visible
      bids in sequence order, numbered 1, 2, 3 …;
    - untold: a visible bid in the database that no client was told was accepted (an answer lost on the way).
    """
    problems: dict[str, list] = {"lost": [], "out_of_order": [], "log": [], "untold": []}
    by_auction: dict[int, list[StoredBid]] = {}
    for bid in bids:
        by_auction.setdefault(bid.auction_id, []).append(bid)
    stored = {(bid.auction_id, bid.sequence): bid for rows in by_auction.values() for bid in rows}
    told = set()
    for answer in answers:
        told.add((answer.auction_id, answer.sequence))
        found = stored.get((answer.auction_id, answer.sequence))
        if found is None:
            problems["lost"].append(f"auction {answer.auction_id}: bid #{answer.sequence} "
                                    f"({answer.amount_minor}) accepted but not in the database")
        elif (found.dealer_id, found.amount_minor) != (answer.dealer_id, answer.amount_minor):
            problems["lost"].append(f"auction {answer.auction_id}: bid #{answer.sequence} accepted as "
                                    f"{answer.amount_minor} by dealer {answer.dealer_id}, stored as "
                                    f"{found.amount_minor} by dealer {found.dealer_id}")
    entries: dict[int, list[LoggedBid]] = {}
    for entry in logged:
        entries.setdefault(entry.auction_id, []).append(entry)
    for auction_id in sorted(set(by_auction) | set(entries)):
        rows = sorted(by_auction.get(auction_id, []), key=lambda b: b.sequence)
        if [b.sequence for b in rows] != list(range(1, len(rows) + 1)):
            problems["out_of_order"].append(f"auction {auction_id}: bid sequences have a gap")
        visible = [b for b in rows if b.is_visible]
        for before, after in zip(visible, visible[1:], strict=False):
            if after.amount_minor <= before.amount_minor:
                problems["out_of_order"].append(f"auction {auction_id}: bid #{after.sequence} ({after.amount_minor}) "
                                                f"not above #{before.sequence} ({before.amount_minor})")
            if after.bid_id <= before.bid_id or after.created_at < before.created_at:
                problems["out_of_order"].append(f"auction {auction_id}: bid #{after.sequence} stored before "
                                                f"#{before.sequence} (id or time goes backwards)")
        in_log = [(e.bid_number, e.amount_minor) for e in sorted(entries.get(auction_id, []), key=lambda e: e.seq)]
        expected = [(number, b.amount_minor) for number, b in enumerate(visible, start=1)]
        if in_log != expected:
            first = next((n for n, (a, b) in enumerate(zip(in_log, expected, strict=False)) if a != b),
                         min(len(in_log), len(expected)))
            problems["log"].append(f"auction {auction_id}: the log holds {len(in_log)} bids, the database "
                                   f"{len(expected)}; first difference at bid {first + 1}")
        problems["untold"].extend(f"auction {auction_id}: bid #{b.sequence} ({b.amount_minor}) placed, no client "
                                  f"told" for b in visible if (auction_id, b.sequence) not in told)
    return problems


# The load --------------------------------------------------------------------------------------------------------


@dataclass
class Record:
    """What the clients were told: every acceptance, and how the requests sent twice were answered."""

    answers: list[Answer] = field(default_factory=list)
    retries: int = 0
    retries_replayed: int = 0
    retry_problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_clients(port: int, world, clients: int, seconds: float, record: Record, targets, *,
                pace_per_s: float | None = None) -> Sample:
    """`clients` dealers bidding the next valid amount they know of on random auctions, each request with a new
    Idempotency-Key; RETRY_SHARE of them sent again with the same key (the answer must be the first one, replayed).
    Paced at `pace_per_s` requests/s in all, or back to back."""
    from bench.bidding import _minimum_from

    sample = Sample()
    interval = clients / pace_per_s if pace_per_s else 0.0

    def work(index, stop_at):
        http = Http(port, world.tokens[index])
        dealer_id = world.dealer_ids[index]
        rng = random.Random(f"soak-{index}-{pace_per_s}")
        next_at = time.monotonic() + rng.random() * interval
        while time.monotonic() < stop_at:
            if interval:
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at += interval
            auction_id = rng.choice(world.auction_ids)
            path, body = f"/api/v1/auctions/{auction_id}/bids/", {"amount_minor": targets.get(auction_id)}
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            started = time.perf_counter()
            status, answer = http.request("POST", path, body, headers)
            elapsed = time.perf_counter() - started
            if status == 201:
                sample.add(elapsed, "accepted", True)
                with record.lock:
                    record.answers.extend(Answer(auction_id, placed["sequence"], dealer_id, placed["amount_minor"])
                                          for placed in answer["placed"] if placed["is_mine"])
                targets.saw(auction_id, answer["auction"]["minimum_next_bid_minor"])
            else:
                code = (answer or {}).get("code", str(status))
                sample.add(elapsed, code, False)
                if code == "bid_too_low":
                    minimum = _minimum_from(answer)
                    if minimum:
                        targets.saw(auction_id, minimum)
                elif code == "already_leading":
                    time.sleep(0.002)
            if rng.random() < RETRY_SHARE:
                again_status, again = http.request("POST", path, body, headers)
                replayed = http.last_headers.get("idempotent-replayed") == "true"
                same = again_status == status and (
                    again["placed"] == answer["placed"] if status == 201 else again == answer)
                with record.lock:
                    record.retries += 1
                    record.retries_replayed += replayed and same
                    # A refusal by the bid gate (stale, before the database) stores no answer: decided again.
                    if status == 201 and not (replayed and same):
                        record.retry_problems.append(f"auction {auction_id}: a retry of an accepted bid was "
                                                     f"answered {again_status} {str(again)[:120]}")

    sample.wall = run_threads(clients, seconds, work)
    return sample


# The samples -----------------------------------------------------------------------------------------------------


class Sampler:
    """Every SAMPLE_SECONDS: resident memory of every process in the started process groups, PostgreSQL
    connections to the bench database, Redis memory, idempotency keys stored."""

    def __init__(self, groups: dict[int, str], dsn: str, redis_url: str, *, queue_keys: tuple[bytes, ...],
                 queue_prefix: bytes):
        import psycopg
        import redis

        self.groups = groups
        # Work in flight on Redis: the outbox stream and Celery's queues (the broker's keys all carry its prefix).
        self.queue_keys, self.queue_prefix = queue_keys, queue_prefix
        self.pg = psycopg.connect(dsn, autocommit=True)
        self.redis = redis.Redis.from_url(redis_url)
        self.samples: list[dict] = []
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started_at = time.monotonic()

    def processes(self) -> dict[int, int]:
        """pid -> resident memory in bytes (VmRSS) of every live process in a process group the bench started
        (Linux /proc: the process group is the 5th field of /proc/<pid>/stat, after the parenthesised name)."""
        found = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    group = int(stat.read().rsplit(")", 1)[1].split()[2])
                if group not in self.groups:
                    continue
                with open(f"/proc/{pid}/status") as status:
                    rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            except (OSError, StopIteration, ValueError, IndexError):
                continue  # gone meanwhile, or a zombie without memory
            found[pid] = rss_kib * 1024
            if pid not in self.names:
                self.names[pid] = f"{self.groups[group]} {'main' if pid == group else 'worker'} {pid}"
        return found

    def redis_bench_bytes(self) -> tuple[int, int, int]:
        """(keys, bytes of state, bytes of queues) of the bench's own Redis database (MEMORY USAGE of each key).
        State is the cache (the bid gate's copies, tokens, rate limits); queues are the outbox stream and Celery's
        broker keys, whose size is the moment's backlog."""
        keys = state = queues = 0
        for key in self.redis.scan_iter(count=1000):
            keys += 1
            size = self.redis.memory_usage(key, samples=0) or 0
            if key in self.queue_keys or key.startswith(self.queue_prefix):
                queues += size
            else:
                state += size
        return keys, state, queues

    def backlog(self) -> int:
        """Entries waiting in the outbox stream and Celery's queues."""
        waiting = 0
        for key in self.queue_keys:
            kind = self.redis.type(key)
            waiting += self.redis.xlen(key) if kind == b"stream" else self.redis.llen(key) if kind == b"list" else 0
        return waiting

    def drain(self, seconds: float = 60.0) -> float:
        """Wait (at most `seconds`) for the backlog to go; how long it took, or NaN if it did not."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if not self.backlog():
                return time.monotonic() - started
            time.sleep(0.5)
        return float("nan")

    def take(self) -> dict:
        with self.pg.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                           [BENCH_DB])
            connections = cursor.fetchone()[0]  # type: ignore[index]
            cursor.execute("SELECT count(*) FROM auctions_idempotencykey")
            keys = cursor.fetchone()[0]  # type: ignore[index]
        redis_keys, redis_state, redis_queues = self.redis_bench_bytes()
        sample = {"t": time.monotonic() - self.started_at, "rss": self.processes(), "pg": connections,
                  "redis_used": int(self.redis.info("memory")["used_memory"]), "redis_keys": redis_keys,
                  "redis_state": redis_state, "redis_queues": redis_queues, "backlog": self.backlog(),
                  "idem_keys": keys}
        self.samples.append(sample)
        return sample

    def start(self) -> None:
        self.started_at = time.monotonic()

        def loop():
            while not self._stop.is_set():
                self.take()
                self._stop.wait(SAMPLE_SECONDS)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def save(self, path: str) -> None:
        with open(path, "w") as out:
            json.dump({"names": self.names, "samples": self.samples}, out)

    def close(self) -> None:
        self.pg.close()
        self.redis.close()


def key_counters(dsn: str) -> tuple[int, int, int]:
    """(rows inserted, rows deleted, rows older than the window plus one pruning interval and 30 s) of the
    idempotency keys' table."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT n_tup_ins, n_tup_del FROM pg_stat_user_tables "
                           "WHERE relname = 'auctions_idempotencykey'").fetchone()
        stale = conn.execute("SELECT count(*) FROM auctions_idempotencykey WHERE created_at < clock_timestamp() - "
                             "make_interval(secs => %s)", [KEY_TTL_SECONDS + PRUNE_SECONDS + 30]).fetchone()
    assert row is not None and stale is not None
    return row[0], row[1], stale[0]


# The run ---------------------------------------------------------------------------------------------------------


def open_in_log(auction_ids: list[int]) -> None:
    """Each auction opened in the transparency log, as a scheduled auction's start does: its bids are logged."""
    from django.db import transaction

    from auctions.services.auction_log import auction_log_opened
    from auctions.services.common import lock_auction
    from core.clock import db_now

    for auction_id in auction_ids:
        with transaction.atomic():
            auction = lock_auction(auction_id)
            auction_log_opened(auction, now=db_now())
            auction.save(update_fields=["log_seq"])


def audit(record: Record, auction_ids: list[int]) -> dict[str, list]:
    from auctions.models import Bid
    from transparency.models import LogEntry

    bids = [StoredBid(*row) for row in Bid.objects.filter(auction_id__in=auction_ids).values_list(
        "auction_id", "sequence", "pk", "dealer_id", "amount_minor", "created_at", "is_visible").iterator()]
    logged = []
    for auction_id, body in LogEntry.objects.filter(auction_id__in=auction_ids, kind="bid").order_by(
            "index").values_list("auction_id", "body").iterator():
        entry = json.loads(body)
        logged.append(LoggedBid(auction_id, entry["seq"], entry["bid_number"], entry["amount_minor"]))
    return bid_audit(record.answers, bids, logged)


def _pct(before: float, after: float) -> float:
    return (after - before) / before * 100 if before else float("nan")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _thirds(samples: list[dict]) -> tuple[list[dict], list[dict]]:
    """The first and the last third of the samples (each at least one)."""
    third = max(1, len(samples) // 3)
    return samples[:third], samples[-third:]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(*, seconds: float, warmup: float, clients: int, workers: int, auctions: int) -> int:
    from bench.bidding import Targets, build_world

    celery_prefix = f"{BENCH_DB}:"
    env = bench_env(GAVEL_IDEMPOTENCY_KEY_HOURS=KEY_TTL, GAVEL_IDEMPOTENCY_PRUNE_SECONDS=PRUNE_SECONDS,
                    GAVEL_CELERY_KEY_PREFIX=celery_prefix)
    recreate_database(env)
    setup_django(env)
    world = build_world(dealers=clients, auctions=auctions)
    open_in_log(world.auction_ids)
    from django.db import connection

    from core.outbox import outbox_stream

    connection.close()  # the bench process holds no connection while it samples them
    queue_keys = tuple(name.encode() for name in (outbox_stream(), f"{celery_prefix}celery", f"{celery_prefix}closing"))
    dsn = env["DATABASE_URL"]
    started: list[int] = []
    record, targets = Record(), Targets(world.auction_ids)
    with http_server(env, workers=workers, started=started) as port, outbox_worker(env, started=started), \
            celery(env, started=started):
        groups = dict(zip(started, ["gunicorn", "outbox", "celery closer", "celery worker", "celery beat"],
                          strict=True))
        burst = run_clients(port, world, clients, BURST_SECONDS, record, targets)
        max_rps = sum(burst.codes.values()) / burst.wall
        rate = max(1.0, max_rps / 2)
        inserted_before, deleted_before, _ = key_counters(dsn)
        load_before = os.getloadavg()
        print(f"Soak: {seconds:g} s at half load over {auctions} live auctions, {clients} dealers, "
              f"{http_server_name(workers)} + the outbox worker + Celery (closer, worker, beat), PostgreSQL, "
              f"{os.cpu_count()} CPUs")
        print(f"  burst ({BURST_SECONDS} s, unpaced): {max_rps:.0f} bid requests/s -> soak paced at {rate:.0f} "
              f"requests/s; warm-up {warmup:g} s; samples every {SAMPLE_SECONDS} s; idempotency keys kept "
              f"{KEY_TTL}, beat prunes every {PRUNE_SECONDS} s; {RETRY_SHARE:.0%} of requests sent twice with "
              f"their key")
        sampler = Sampler(groups, dsn, env["REDIS_URL"], queue_keys=queue_keys, queue_prefix=celery_prefix.encode())
        sampler.start()
        soak = run_clients(port, world, clients, seconds, record, targets, pace_per_s=rate)
        sampler.stop()
        load_after = os.getloadavg()
        drained = sampler.drain()
        sampler.take()  # the last sample: the load over, its work delivered
        time.sleep(2)  # the statistics collector's last flush
        inserted_after, deleted_after, stale = key_counters(dsn)
        sampler.close()
    samples_path = os.environ.get("BENCH_SOAK_SAMPLES", f"/tmp/gavel-soak-samples-{os.getpid()}.json")
    sampler.save(samples_path)
    problems = audit(record, world.auction_ids)
    status = report(sampler=sampler, soak=soak, warmup=warmup, rate=rate, record=record, problems=problems,
                    loads=(load_before, load_after), drained=drained,
                    keys=(inserted_after - inserted_before, deleted_after - deleted_before, stale))
    print(f"  samples: {samples_path}")
    return status


def report(*, sampler: Sampler, soak: Sample, warmup: float, rate: float, record: Record, problems: dict,
           loads: tuple, drained: float, keys: tuple[int, int, int]) -> int:
    samples = sampler.samples
    after = [s for s in samples if s["t"] >= warmup] or samples[-1:]
    base, last = after[0], samples[-1]
    requests = sum(soak.codes.values())
    refused = {code: n for code, n in soak.codes.items() if code != "accepted"}
    print(f"  load: {requests / soak.wall:.1f} bid requests/s (target {rate:.0f}), {soak.accepted / soak.wall:.1f} "
          f"accepted bids/s, p50 {ms(percentile(soak.latencies, 50))}, p99 {ms(percentile(soak.latencies, 99))}; "
          f"refused {refused or '{}'}")
    print(f"  load average (1/5/15 min): before {' '.join(f'{x:.2f}' for x in loads[0])}, "
          f"after {' '.join(f'{x:.2f}' for x in loads[1])}; {len(samples)} samples, baseline at "
          f"t={base['t']:.0f} s, last at t={last['t']:.0f} s")

    print("  resident memory (MiB) after warm-up -> end, growth:")
    growths, gone = [], []
    for pid, before in sorted(base["rss"].items()):
        end = last["rss"].get(pid)
        if end is None:
            gone.append(sampler.names.get(pid, str(pid)))
            continue
        growth = _pct(before, end)
        growths.append(growth)
        peak = max(s["rss"].get(pid, 0) for s in after)
        print(f"    {sampler.names.get(pid, str(pid)):<28} {before / 2**20:7.1f} -> {end / 2**20:7.1f} "
              f"(peak {peak / 2**20:7.1f})  {growth:+6.1f} %")
    newcomers = sorted(set(last["rss"]) - set(base["rss"]))
    if gone or newcomers:
        print(f"    processes gone since the warm-up: {gone or 'none'}; new: "
              f"{[sampler.names.get(p, str(p)) for p in newcomers] or 'none'}")
    rss_ok = bool(growths) and max(growths) < GROWTH_GOAL_PCT and not gone
    print(f"  -> RSS growth after warm-up: max {max(growths, default=float('nan')):+.1f} % over {len(growths)} "
          f"processes (goal < {GROWTH_GOAL_PCT:g} %): {_verdict(rss_ok)}")

    # Flat: no upward trend after the warm-up. Pools open and close spare connections and queues fill and drain,
    # so single samples wander; what a leak does is raise the level, so the last third is held to the first.
    first, final = _thirds(after)
    pg = [s["pg"] for s in after]
    pg_ok = max(s["pg"] for s in final) <= max(s["pg"] for s in first)
    print(f"  -> PostgreSQL connections to {BENCH_DB} after warm-up: min {min(pg)} / max {max(pg)} (whole run "
          f"{min(s['pg'] for s in samples)}-{max(s['pg'] for s in samples)}); max of the last third "
          f"{max(s['pg'] for s in final)} <= max of the first third {max(s['pg'] for s in first)}: {_verdict(pg_ok)}")

    redis_growth = _pct(base["redis_state"], last["redis_state"])
    backlog = [s["backlog"] for s in after]
    redis_ok = redis_growth < GROWTH_GOAL_PCT and drained == drained  # NaN: the queues never emptied
    print(f"  -> Redis, the bench database: state (cache: bid gate, tokens, rate limits) after warm-up "
          f"{base['redis_state'] / 1024:.1f} KiB in {base['redis_keys']} keys, at the end "
          f"{last['redis_state'] / 1024:.1f} KiB in {last['redis_keys']} keys (min "
          f"{min(s['redis_state'] for s in after) / 1024:.1f} / max {max(s['redis_state'] for s in after) / 1024:.1f}"
          f" KiB), growth {redis_growth:+.1f} % (goal < {GROWTH_GOAL_PCT:g} %); queues (outbox stream, Celery) "
          f"backlog min {min(backlog)} / median {_median(backlog):.0f} / max {max(backlog)} entries, "
          f"{max(s['redis_queues'] for s in after) / 1024:.0f} KiB at most, empty {drained:.1f} s after the load "
          f"stopped (goal: drained within 60 s): {_verdict(redis_ok)}")
    print(f"     Redis server used_memory (shared with other programs on this Redis): "
          f"{base['redis_used'] / 2**20:.1f} -> {last['redis_used'] / 2**20:.1f} MiB "
          f"({_pct(base['redis_used'], last['redis_used']):+.1f} %)")

    inserted, deleted, stale = keys
    idem = [s["idem_keys"] for s in samples]
    keys_ok = deleted > 0 and stale == 0
    print(f"  -> idempotency keys: {inserted} stored and {deleted} pruned during the soak (beat's task; nothing else "
          f"deletes them); rows min {min(idem)} / max {max(idem)} / end {idem[-1]}; rows older than the window + "
          f"one interval + 30 s at the end: {stale}: {_verdict(keys_ok)}")
    over_time = ", ".join(f"{s['t']:.0f}s:{s['idem_keys']}" for s in samples[::6])
    print(f"     rows over time (every minute): {over_time}")

    bad = {kind: found for kind, found in problems.items() if found}
    audit_ok = not bad and not record.retry_problems
    print(f"  -> bid audit: {len(record.answers)} acceptances told to clients; lost {len(problems['lost'])}, "
          f"out of order {len(problems['out_of_order'])}, log mismatches {len(problems['log'])}, placed but untold "
          f"{len(problems['untold'])}; retries with the same key {record.retries}, replayed identically "
          f"{record.retries_replayed} (every accepted one must be; "
          f"{len(record.retry_problems)} not): {_verdict(audit_ok)}")
    for kind, found in bad.items():
        print(f"     {kind}: {found[:5]}")
    for problem in record.retry_problems[:5]:
        print(f"     retry: {problem}")
    return 0 if rss_ok and pg_ok and redis_ok and keys_ok and audit_ok else 1
