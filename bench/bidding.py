"""Hot auction and many auctions: dealers bidding through the HTTP API of the production-shaped
server (gunicorn for the API as in production, several worker processes, PostgreSQL), against a reference: the same bid
transaction issued straight to PostgreSQL from the same number of clients, in the same run.

    python -m bench hot_auction [--seconds 20] [--clients 16 32]
    python -m bench many_auctions [--seconds 20] [--clients 16 32] [--auctions 1000]
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
    percentile,
    recreate_database,
    run_threads,
    setup_django,
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

    seller = User.objects.create_user("bench-seller@gavel.test", "bench-password-1", full_name="Bench Seller")
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
                                      role=User.Role.DEALER) for n in range(dealers)]
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
    for messages in (body.get("fields") or {}).values():
        for message in messages:
            digits = "".join(ch for ch in message if ch.isdigit())
            if digits:
                return int(digits)
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
                            "INSERT INTO auctions_bid (auction_id, dealer_id, amount_minor, kind, sequence, "
                            "is_visible, created_at) VALUES (%s, %s, %s, 'direct', %s, true, clock_timestamp())",
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


def report(label: str, sample: Sample) -> dict:
    rate = sample.accepted / sample.wall
    requests = sum(sample.codes.values())
    rejected = {code: n for code, n in sample.codes.items() if code != "accepted"}
    print(f"  {label:<34} {rate:8.1f} accepted bids/s   {requests / sample.wall:7.1f} bid requests/s   "
          f"p50 {ms(percentile(sample.latencies, 50)):>9}   p99 {ms(percentile(sample.latencies, 99)):>9}   "
          f"refused {rejected or '{}'}")
    return {"rate": rate, "requests": requests / sample.wall, "p50": percentile(sample.latencies, 50),
            "p99": percentile(sample.latencies, 99)}


def main(*, auctions: int, clients: list[int], seconds: float, workers: int, title: str) -> int:
    env = bench_env()
    recreate_database(env)
    setup_django(env)
    world = build_world(dealers=max(clients), auctions=auctions)
    dsn = env["DATABASE_URL"]
    print(f"{title}: {auctions} live auction(s), {http_server_name(workers)}, PostgreSQL, "
          f"{seconds:.0f} s per run")
    failures = 0
    with http_server(env, workers=workers) as port:
        for n in clients:
            reset_auctions(world)
            ref = report(f"reference (SQL, {n} clients)", run_reference(world, n, seconds, dsn=dsn))
            problems = check_invariants(world.auction_ids)
            reset_auctions(world)
            ours = report(f"Gavel HTTP API ({n} clients)", run_http(port, world, n, seconds))
            problems += check_invariants(world.auction_ids)
            print(f"  -> Gavel/reference throughput ratio at {n} clients: {ours['rate'] / ref['rate']:.2f} accepted "
                  f"bids, {ours['requests'] / ref['requests']:.2f} bid requests (goal >= 0.5); invariant check: "
                  f"{'OK' if not problems else problems[:5]}")
            failures += bool(problems)
            reset_auctions(world)
            # Half load: bid requests paced at half the request rate the server just sustained.
            half = report(f"Gavel at half load ({ours['requests'] / 2:.0f} req/s)",
                          run_http(port, world, n, seconds, pace_per_s=max(1.0, ours["requests"] / 2)))
            half_problems = check_invariants(world.auction_ids)
            print(f"  -> p99 at half load: {ms(half['p99'])} (goal <= 50 ms); p99 ratio to the reference's "
                  f"full-load p99: {half['p99'] / ref['p99']:.2f}; invariant check: "
                  f"{'OK' if not half_problems else half_problems[:5]}")
            failures += bool(half_problems)
    return 1 if failures else 0
