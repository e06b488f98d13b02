"""Hot auction and many auctions: dealers bidding through the HTTP API of the production-shaped
server (gunicorn for the API as in production, several worker processes, PostgreSQL), against references measured
in the same run, each comparison repeated (--repeats, min/median/max printed):

- the framework floor (bench/urls.py, served by the same server: bench/wsgi.py): the DRF floor (the API's token
  authentication + `SELECT 1`) and a plain Django view; in-process, an accepted and a refused bid cost as multiples
  of the DRF floor; over HTTP, bid requests/s and accepted bids/s as a ratio to the DRF floor's requests/s under the
  same load;
- raw SQL: the same bid transaction issued straight to PostgreSQL, against the bid function (gavel_bid_place)
  called directly from psycopg by as many clients;
- p50/p99 of bids paced at half the request rate the server sustained.

    python -m bench hot_auction [--seconds 20] [--clients 16 32] [--repeats 3]
    python -m bench many_auctions [--seconds 20] [--clients 16 32] [--auctions 1000] [--repeats 3]
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from bench.common import (
    Http,
    Sample,
    bench_env,
    http_server,
    http_server_name,
    ms,
    outbox_worker,
    percentile,
    recreate_database,
    run_threads,
    setup_django,
    spread,
)

START_MINOR = 1_000_00


@dataclass
class World:
    auction_ids: list[int]
    tokens: list[str]
    dealer_ids: list[int]


def build_world(*, dealers: int, auctions: int) -> World:
    """Sellers' listings in auction, live auctions ending in an hour, verified dealers with tokens."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import DealerProfile, User
    from auctions.models import Auction
    from marketplace.models import Listing

    seller = User.objects.create_user("bench-seller@gavel.test", "bench-password-1", full_name="Bench Seller",
                                      email_verified_at=timezone.now())
    listings = Listing.objects.bulk_create([
        Listing(seller=seller, status=Listing.Status.IN_AUCTION, vin=f"WBENCH{n:011d}"[:17], make="Volkswagen",
                model="Golf", first_registration_year=2018 + n % 6, mileage_km=40_000 + n, city="Berlin",
                postcode="10115", reserve_minor=8_000_00)
        for n in range(auctions)
    ])
    now = timezone.now()
    created = Auction.objects.bulk_create([
        Auction(listing=listing, status=Auction.Status.LIVE, starts_at=now - timedelta(minutes=1),
                ends_at=now + timedelta(hours=1), duration_minutes=61, starting_price_minor=START_MINOR,
                reserve_minor=listing.reserve_minor)
        for listing in listings
    ])
    users = [User.objects.create_user(f"bench-dealer{n}@gavel.test", "bench-password-1", full_name=f"Dealer {n}",
                                      role=User.Role.DEALER, email_verified_at=timezone.now()) for n in range(dealers)]
    DealerProfile.objects.bulk_create([
        DealerProfile(user=u, company_name=f"Bench {n}", trade_licence_number=f"BENCH-{n}", address="x", phone="1",
                      status=DealerProfile.Status.VERIFIED, buying_limit_minor=10**15)
        for n, u in enumerate(users)
    ])
    tokens = [Token.objects.create(user=u).key for u in users]
    return World([a.pk for a in created], tokens, [u.pk for u in users])


class Targets:
    """The freshest 'next valid amount' any client has seen, per auction (dealers watching the price)."""

    def __init__(self, auction_ids):
        self.lock = threading.Lock()
        self.next = {a: START_MINOR for a in auction_ids}

    def get(self, auction_id):
        return self.next[auction_id]

    def saw(self, auction_id, minimum):
        with self.lock:
            if minimum > self.next[auction_id]:
                self.next[auction_id] = minimum


def run_http(port: int, world: World, clients: int, seconds: float, *, pace_per_s: float | None = None) -> Sample:
    sample, targets = Sample(), Targets(world.auction_ids)
    interval = clients / pace_per_s if pace_per_s else 0.0

    def work(index, stop_at):
        http = Http(port, world.tokens[index])
        rng = random.Random(index)
        next_at = time.monotonic() + rng.random() * interval
        while time.monotonic() < stop_at:
            if interval:
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at += interval
            auction_id = rng.choice(world.auction_ids)
            started = time.perf_counter()
            status, body = http.request("POST", f"/api/v1/auctions/{auction_id}/bids/",
                                        {"amount_minor": targets.get(auction_id)})
            elapsed = time.perf_counter() - started
            if status == 201:
                sample.add(elapsed, "accepted", True)
                targets.saw(auction_id, body["auction"]["minimum_next_bid_minor"])
            else:
                code = (body or {}).get("code", str(status))
                sample.add(elapsed, code, False)
                if code == "bid_too_low":
                    minimum = _minimum_from(body)
                    if minimum:
                        targets.saw(auction_id, minimum)
                elif code == "already_leading":
                    time.sleep(0.002)

    sample.wall = run_threads(clients, seconds, work)
    return sample


def _minimum_from(body) -> int | None:
    """The minimum a refusal names ("Bid at least €10,100." / "€10,100.50"), in minor units (two digits)."""
    for messages in (body.get("fields") or {}).values():
        for message in messages:
            text = message.rstrip(".")
            amount = text[text.rfind(" ") + 1:]
            whole, _, cents = amount.partition(".")
            digits = "".join(ch for ch in whole if ch.isdigit())
            if digits:
                return int(digits) * 100 + (int(cents[:2].ljust(2, "0")) if cents[:2].isdigit() else 0)
    return None


REFERENCE_SQL_LOCK = (
    "SELECT status, ends_at > clock_timestamp(), price_minor, leader_id, last_sequence "
    "FROM auctions_auction WHERE id = %s FOR UPDATE"
)


def run_reference(world: World, clients: int, seconds: float, *, dsn: str) -> Sample:
    """The same bid transaction, straight to PostgreSQL: lock the auction, check it is live and
    not past its end on the database clock, check the amount, insert the bid, update the auction."""
    import psycopg
    from django.conf import settings

    from auctions.engine import increment_for

    sample, targets = Sample(), Targets(world.auction_ids)

    def work(index, stop_at):
        conn = psycopg.connect(dsn)
        dealer_id = world.dealer_ids[index]
        rng = random.Random(index)
        try:
            while time.monotonic() < stop_at:
                auction_id = rng.choice(world.auction_ids)
                offer = targets.get(auction_id)
                started = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(REFERENCE_SQL_LOCK, [auction_id])
                    row = cur.fetchone()
                    assert row is not None  # the auction exists
                    status, open_, price, leader, sequence = row
                    ladder = settings.GAVEL_BID_INCREMENTS
                    minimum = START_MINOR if price is None else price + increment_for(price, ladder)
                    if status != "live" or not open_:
                        code = "auction_ended"
                    elif leader == dealer_id:
                        code = "already_leading"
                    elif offer < minimum:
                        code = "bid_too_low"
                    else:
                        code = "accepted"
                        cur.execute(
                            "INSERT INTO auctions_bid (auction_id, dealer_id, amount_minor, kind, sequence, state, "
                            "is_visible, created_at) "
                            "VALUES (%s, %s, %s, 'direct', %s, 'standing', true, clock_timestamp())",
                            [auction_id, dealer_id, offer, sequence + 1])
                        cur.execute(
                            "UPDATE auctions_auction SET price_minor = %s, leader_id = %s, leader_max_minor = %s, "
                            "bid_count = bid_count + 1, last_sequence = %s, event_seq = event_seq + 1, "
                            "updated_at = clock_timestamp() WHERE id = %s",
                            [offer, dealer_id, offer, sequence + 1, auction_id])
                elapsed = time.perf_counter() - started
                sample.add(elapsed, code, code == "accepted")
                if code == "accepted":
                    targets.saw(auction_id, offer + increment_for(offer, settings.GAVEL_BID_INCREMENTS))
                elif code == "bid_too_low":
                    targets.saw(auction_id, minimum)
                elif code == "already_leading":
                    time.sleep(0.002)
        finally:
            conn.close()

    sample.wall = run_threads(clients, seconds, work)
    return sample


def check_invariants(auction_ids: list[int]) -> list[str]:
    """Accepted bids strictly increase in sequence order (a proxy answer may equal the bid it answers),
    sequences are contiguous, and each auction's price, leader and count equal its bids'."""
    from auctions.models import Auction, Bid

    problems = []
    bids_by_auction: dict[int, list] = {}
    for row in Bid.objects.filter(auction_id__in=auction_ids).order_by("auction_id", "sequence").values_list(
            "auction_id", "sequence", "amount_minor", "dealer_id", "kind", "is_visible"):
        bids_by_auction.setdefault(row[0], []).append(row)
    for auction in Auction.objects.filter(pk__in=auction_ids).only(
            "pk", "price_minor", "leader_id", "bid_count", "last_sequence"):
        rows = bids_by_auction.get(auction.pk, [])
        if [r[1] for r in rows] != list(range(1, len(rows) + 1)) or auction.last_sequence != len(rows):
            problems.append(f"auction {auction.pk}: sequences not contiguous")
        visible = [r for r in rows if r[5]]
        for before, after in zip(visible, visible[1:], strict=False):
            if not (after[2] > before[2] or (after[4] == "auto" and after[2] == before[2])):
                problems.append(f"auction {auction.pk}: bid {after[1]} ({after[2]}) not above {before[2]}")
        if visible:
            if (auction.price_minor, auction.leader_id) != (visible[-1][2], visible[-1][3]):
                problems.append(f"auction {auction.pk}: price/leader differ from the last bid")
        if auction.bid_count != len(visible):
            problems.append(f"auction {auction.pk}: bid_count {auction.bid_count} != {len(visible)} bids")
    return problems


def reset_auctions(world: World) -> None:
    from auctions.models import Auction, Bid, BidderLabel, IdempotencyKey

    Bid.objects.filter(auction_id__in=world.auction_ids).delete()
    BidderLabel.objects.filter(auction_id__in=world.auction_ids).delete()
    IdempotencyKey.objects.all().delete()
    Auction.objects.filter(pk__in=world.auction_ids).update(
        price_minor=None, leader=None, leader_max_minor=None, bid_count=0, last_sequence=0, event_seq=0)
    # The prices went back down behind Gavel's back: the bid gate's copies (in the bench's Redis) must go too.
    from django.core.cache import cache

    cache.clear()


def report(label: str, sample: Sample) -> dict:
    rate = sample.accepted / sample.wall
    requests = sum(sample.codes.values())
    rejected = {code: n for code, n in sample.codes.items() if code != "accepted"}
    print(f"  {label:<34} {rate:8.1f} accepted bids/s   {requests / sample.wall:7.1f} bid requests/s   "
          f"p50 {ms(percentile(sample.latencies, 50)):>9}   p99 {ms(percentile(sample.latencies, 99)):>9}   "
          f"refused {rejected or '{}'}")
    return {"rate": rate, "requests": requests / sample.wall, "p50": percentile(sample.latencies, 50),
            "p99": percentile(sample.latencies, 99)}


def run_floor(port: int, world: World, clients: int, seconds: float, *, path: str = "/bench/floor/drf/") -> Sample:
    """The DRF floor under the same load: every client POSTs to it with its token, back to back."""
    sample = Sample()

    def work(index, stop_at):
        http = Http(port, world.tokens[index])
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status, _ = http.request_raw("POST", path, {})
            sample.add(time.perf_counter() - started, "accepted" if status == 201 else str(status), status == 201)

    sample.wall = run_threads(clients, seconds, work)
    return sample


def run_function(world: World, clients: int, seconds: float, *, dsn: str) -> Sample:
    """The bid function alone, called from psycopg (one statement, autocommit) by `clients` connections."""
    import psycopg
    from django.conf import settings

    from auctions.engine import increment_for
    from core.money import AMOUNT_MAX_MINOR

    sample, targets = Sample(), Targets(world.auction_ids)
    ladder = settings.GAVEL_BID_INCREMENTS
    uppers, steps = [upper for upper, _ in ladder], [step for _, step in ladder]

    def work(index, stop_at):
        conn = psycopg.connect(dsn, autocommit=True)
        dealer_id = world.dealer_ids[index]
        rng = random.Random(index)
        try:
            while time.monotonic() < stop_at:
                auction_id = rng.choice(world.auction_ids)
                offer = targets.get(auction_id)
                started = time.perf_counter()
                row = conn.execute(
                    "SELECT gavel_bid_place(%s, %s, %s, NULL, %s, %s, %s, %s, NULL, NULL, NULL, NULL, NULL)",
                    [auction_id, dealer_id, offer, uppers, steps, settings.GAVEL_SOFT_CLOSE_SECONDS,
                     AMOUNT_MAX_MINOR]).fetchone()
                assert row is not None  # the function answers one row
                decision = row[0]
                elapsed = time.perf_counter() - started
                code = decision.get("refusal", "accepted")
                sample.add(elapsed, code, code == "accepted")
                if code == "accepted":
                    targets.saw(auction_id, offer + increment_for(offer, ladder))
                elif code == "bid_too_low":
                    targets.saw(auction_id, decision["minimum"])
                elif code == "already_leading":
                    time.sleep(0.002)
        finally:
            conn.close()

    sample.wall = run_threads(clients, seconds, work)
    return sample


def in_process_costs(world: World, *, requests: int = 150) -> dict:
    """Median wall time per request through Django's handler in this process (no network, no server): the DRF
    floor, a plain Django view, an accepted bid and a refused (stale) bid, on the first auction. The four are
    interleaved, one of each in turn, so that a machine whose load changes during the run (a shared one) weighs on
    each of them alike and their ratios stay comparable."""
    from django.conf import settings
    from django.test import Client
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "bench.urls"
    clear_url_caches()
    clients = [Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1") for token in world.tokens[:2]]
    auction_id = world.auction_ids[0]
    bid_path = f"/api/v1/auctions/{auction_id}/bids/"

    def medians_of(calls: dict) -> dict[str, float]:
        for _ in range(20):  # warm-up
            for call in calls.values():
                call(0)
        times: dict[str, list[float]] = {name: [] for name in calls}
        for i in range(requests):
            for name, call in calls.items():
                started = time.perf_counter()
                call(i)
                times[name].append(time.perf_counter() - started)
        return {name: sorted(spent)[len(spent) // 2] for name, spent in times.items()}

    state = {"next": START_MINOR, "turn": 0}
    # The hot row is locked from the bid statement to its COMMIT: time that span (an upper bound of the lock).
    from auctions.services import bidding

    held: list[float] = []
    accepted_held: list[float] = []
    real_reconnecting = bidding.reconnecting

    def timed_reconnecting(work):
        started = time.perf_counter()
        try:
            return real_reconnecting(work)
        finally:
            held.append(time.perf_counter() - started)

    bidding.reconnecting = timed_reconnecting

    def accepted(_):
        client = clients[state["turn"] % 2]
        timed = len(held)
        response = client.post(bid_path, {"amount_minor": state["next"]}, content_type="application/json")
        accepted_held.extend(held[timed:])  # the accepted bids' spans only
        if response.status_code != 201:
            raise RuntimeError(f"an in-process bid was refused: {response.content[:200]!r}")
        state["next"], state["turn"] = response.json()["auction"]["minimum_next_bid_minor"], state["turn"] + 1

    def refused(_):
        client = clients[state["turn"] % 2]  # the one not leading
        response = client.post(bid_path, {"amount_minor": START_MINOR}, content_type="application/json")
        if response.status_code != 400:
            raise RuntimeError(f"a stale in-process bid was not refused: {response.content[:200]!r}")

    try:
        costs = medians_of({
            "drf": lambda _: clients[0].post("/bench/floor/drf/", {}, content_type="application/json"),
            "django": lambda _: clients[0].post("/bench/floor/django/", {}, content_type="application/json"),
            "accepted": accepted,
            "refused": refused,  # by the dealer who was just outbid
        })
        costs["held"] = sorted(accepted_held)[len(accepted_held) // 2]
    finally:
        bidding.reconnecting = real_reconnecting
    return costs


def main(*, auctions: int, clients: list[int], seconds: float, workers: int, title: str, repeats: int = 3) -> int:
    env = bench_env()
    recreate_database(env)
    setup_django(env)
    world = build_world(dealers=max(clients), auctions=auctions)
    dsn = env["DATABASE_URL"]
    print(f"{title}: {auctions} live auction(s), {http_server_name(workers)}, PostgreSQL, "
          f"{seconds:g} s per run, {repeats} repeats (min / median / max)")
    costs: list[dict] = []
    with outbox_worker(env):
        return _main(env=env, world=world, dsn=dsn, costs=costs, clients=clients, seconds=seconds, workers=workers,
                     repeats=repeats)


def _main(*, env: dict, world: World, dsn: str, costs: list, clients: list[int], seconds: float, workers: int,
          repeats: int) -> int:
    failures = 0
    for _ in range(repeats):
        reset_auctions(world)
        costs.append(in_process_costs(world))
    reset_auctions(world)
    print(f"  in-process, median per request: DRF floor {spread([c['drf'] * 1000 for c in costs], '{:.2f}')} ms; "
          f"plain Django view {spread([c['django'] * 1000 for c in costs], '{:.2f}')} ms")
    print(f"  -> accepted bid / DRF floor: {spread([c['accepted'] / c['drf'] for c in costs])} (goal <= 3); "
          f"refused bid / DRF floor: {spread([c['refused'] / c['drf'] for c in costs])} (goal <= 1.3)")
    print(f"  in-process accepted bid: hot row held (bid statement to COMMIT, an upper bound) "
          f"{spread([c['held'] * 1000 for c in costs], '{:.2f}')} ms; "
          f"whole request {spread([c['accepted'] * 1000 for c in costs], '{:.2f}')} ms")

    with http_server(env, workers=workers, wsgi="bench.wsgi:application") as port:
        for n in clients:
            ratios: dict[str, list[float]] = {"requests": [], "accepted": [], "function": [], "p99": [],
                                              "p50": [], "rps": [], "floor": [], "django": []}
            for repeat in range(repeats):
                floor = run_floor(port, world, n, seconds)
                django_floor = run_floor(port, world, n, seconds, path="/bench/floor/django/")
                reset_auctions(world)
                ref = run_reference(world, n, seconds, dsn=dsn)
                problems = check_invariants(world.auction_ids)
                reset_auctions(world)
                function = run_function(world, n, seconds, dsn=dsn)
                problems += check_invariants(world.auction_ids)
                reset_auctions(world)
                ours = run_http(port, world, n, seconds)
                problems += check_invariants(world.auction_ids)
                floor_rps = sum(floor.codes.values()) / floor.wall
                ours_rps = sum(ours.codes.values()) / ours.wall
                reset_auctions(world)
                half = run_http(port, world, n, seconds, pace_per_s=max(1.0, ours_rps / 2))
                problems += check_invariants(world.auction_ids)
                if repeat == 0:
                    report(f"reference (SQL, {n} clients)", ref)
                    report(f"bid function (psycopg, {n} clients)", function)
                    report(f"Gavel HTTP API ({n} clients)", ours)
                    report(f"Gavel at half load ({ours_rps / 2:.0f} req/s)", half)
                ratios["floor"].append(floor_rps)
                ratios["django"].append(sum(django_floor.codes.values()) / django_floor.wall)
                ratios["rps"].append(ours_rps)
                ratios["requests"].append(ours_rps / floor_rps)
                ratios["accepted"].append((ours.accepted / ours.wall) / floor_rps)
                ratios["function"].append((function.accepted / function.wall) / (ref.accepted / ref.wall))
                ratios["p50"].append(percentile(half.latencies, 50) * 1000)
                ratios["p99"].append(percentile(half.latencies, 99) * 1000)
                if problems:
                    failures += 1
                    print(f"  invariant check FAILED: {problems[:5]}")
            print(f"  {n} clients: DRF floor {spread(ratios['floor'], '{:.0f}')} req/s; plain Django view "
                  f"{spread(ratios['django'], '{:.0f}')} req/s; Gavel bids {spread(ratios['rps'], '{:.0f}')} req/s")
            print(f"  -> bid requests/s / DRF floor requests/s: {spread(ratios['requests'])} (goal >= 0.8); "
                  f"accepted bids/s / DRF floor requests/s: {spread(ratios['accepted'])}")
            print(f"  -> bid function / raw-SQL reference, accepted bids/s: {spread(ratios['function'])} "
                  f"(goal >= 0.8)")
            print(f"  -> half load: p50 {spread(ratios['p50'], '{:.1f}')} ms, p99 {spread(ratios['p99'], '{:.1f}')} ms "
                  f"(goal p99 <= 50 ms); invariant checks: {'OK' if not failures else 'FAILED'}")
    return 1 if failures else 0
