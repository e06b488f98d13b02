"""Fan-out: N WebSocket clients on one auction of the production-shaped server (uvicorn, several worker
processes, the Redis pub/sub channel layer) while bids arrive through the HTTP API at a steady rate.

Delay is measured from the bid's commit to each client's receipt: the server runs with LIVE_EVENT_TIMESTAMPS=1,
which puts `committed_at` (time.time() when the committed transaction's event is published, i.e. on commit)
into each frame; client and server share this machine's clock. After the last bid every client's last
event_seq is compared with the auction's event_seq from the REST API: a frame covers the events
[coalesced_from, event_seq], and "lost" counts events no frame covered (a page would refetch them).

The reference, in the same run: the same number of plain redis-py asyncio subscribers on one Redis channel,
and a raw PUBLISH of a payload of the same size at the same rate.

    python -m bench fanout [--seconds 20] [--clients 500 2000] [--rate 10] [--workers 4]
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from dataclasses import dataclass, field

from bench.bidding import build_world
from bench.common import Http, asgi_server, bench_env, outbox_worker, percentile, recreate_database, setup_django


@dataclass
class Receipts:
    delays: list[float] = field(default_factory=list)
    frames: int = 0
    connected: int = 0
    failed: int = 0
    last_seq: dict = field(default_factory=dict)
    covered: dict = field(default_factory=dict)


def raise_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1_048_576
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def make_sessions(count: int) -> list[str]:
    """Session keys of `count` verified watcher dealers (a browser's session cookie)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import DealerProfile, User

    keys = []
    for n in range(count):
        user = User.objects.create_user(f"bench-watcher{n}@gavel.test", "bench-password-1", full_name=f"W {n}",
                                        role=User.Role.DEALER, email_verified_at=timezone.now())
        DealerProfile.objects.create(user=user, company_name=f"Watcher {n}", trade_licence_number=f"W-{n}",
                                     address="x", phone="1", status=DealerProfile.Status.VERIFIED)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        assert session.session_key is not None  # create() has just set it
        keys.append(session.session_key)
    return keys


async def ws_client(port: int, auction_id: int, cookie: str, receipts: Receipts, ready: asyncio.Event,
                    stop: asyncio.Event, index: int) -> None:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws/auctions/{auction_id}/"
    headers = {"Origin": f"http://127.0.0.1:{port}", "Cookie": f"sessionid={cookie}"}
    for attempt in range(5):
        try:
            ws = await connect(url, additional_headers=headers, open_timeout=60, max_queue=None,
                               ping_interval=None)
            break
        except Exception:  # noqa: BLE001
            await asyncio.sleep(0.5 * (attempt + 1))
    else:
        receipts.failed += 1
        return
    receipts.connected += 1
    covered = receipts.covered.setdefault(index, set())
    closer = asyncio.create_task(_close_when(stop, ws))
    try:
        async for text in ws:
            now = time.time()
            frame = json.loads(text)
            receipts.frames += 1
            if "committed_at" in frame:
                receipts.delays.append(now - frame["committed_at"])
            covered.update(range(frame["coalesced_from"], frame["event_seq"] + 1))
            receipts.last_seq[index] = frame["event_seq"]
    except Exception:  # noqa: BLE001  (closed by the server: counted through `behind`/`lost`)
        pass
    finally:
        closer.cancel()
        await ws.close()


async def _close_when(stop: asyncio.Event, ws) -> None:
    await stop.wait()
    await ws.close()


def bid_loop(port: int, auction_id: int, tokens: list[str], rate: float, seconds: float, out: dict) -> None:
    """Two dealers outbidding each other at a steady rate (each bid a fresh HTTP request on keep-alive)."""
    clients = [Http(port, token) for token in tokens]
    amount, accepted, refused = None, 0, 0
    status, body = clients[0].request("GET", f"/api/v1/auctions/{auction_id}/")
    amount = body["minimum_next_bid_minor"]
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        status, body = clients[n % 2].request("POST", f"/api/v1/auctions/{auction_id}/bids/",
                                               {"amount_minor": amount})
        if status == 201:
            accepted += 1
            amount = body["auction"]["minimum_next_bid_minor"]
        else:
            refused += 1
        n += 1
    out.update(accepted=accepted, refused=refused)


async def run_ours(port: int, auction_id: int, sessions: list[str], tokens: list[str], clients: int, rate: float,
                   seconds: float) -> tuple[Receipts, dict]:
    receipts, stop, ready = Receipts(), asyncio.Event(), asyncio.Event()
    tasks = []
    for start in range(0, clients, 100):  # connect in waves, as pages would open over a few seconds
        batch = [asyncio.create_task(ws_client(port, auction_id, sessions[i % len(sessions)], receipts, ready, stop, i))
                 for i in range(start, min(clients, start + 100))]
        tasks += batch
        while receipts.connected + receipts.failed < min(clients, start + 100):
            await asyncio.sleep(0.05)
    await asyncio.sleep(1)
    base = Http(port, tokens[0])
    first_seq = base.request("GET", f"/api/v1/auctions/{auction_id}/")[1]["event_seq"] + 1
    out: dict = {}
    await asyncio.to_thread(bid_loop, port, auction_id, tokens, rate, seconds, out)
    await asyncio.sleep(2)
    final = base.request("GET", f"/api/v1/auctions/{auction_id}/")[1]["event_seq"]
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    expected = set(range(first_seq, final + 1))
    out["events"] = len(expected)
    out["lost"] = sum(len(expected - covered) for covered in receipts.covered.values())
    out["behind"] = sum(1 for i in receipts.covered if receipts.last_seq.get(i) != final)
    return receipts, out


async def run_reference(redis_url: str, clients: int, rate: float, seconds: float, payload_size: int) -> Receipts:
    from redis import asyncio as aioredis

    receipts, channel = Receipts(), f"bench-fanout-reference-{time.time_ns()}"
    subscribers = []
    for _ in range(clients):
        client = aioredis.Redis.from_url(redis_url, socket_timeout=None)
        pubsub = client.pubsub()
        await pubsub.subscribe(channel)
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        subscribers.append((client, pubsub))
    stop = asyncio.Event()

    async def listen(pubsub):
        while not stop.is_set():
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is None:
                continue
            now = time.time()
            frame = json.loads(message["data"])
            receipts.frames += 1
            receipts.delays.append(now - frame["committed_at"])

    listeners = [asyncio.create_task(listen(pubsub)) for _, pubsub in subscribers]
    publisher = aioredis.Redis.from_url(redis_url)
    padding = "x" * max(0, payload_size - 60)
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await publisher.publish(channel, json.dumps({"n": n, "committed_at": time.time(), "pad": padding}))
        n += 1
    await asyncio.sleep(2)
    stop.set()
    await asyncio.gather(*listeners, return_exceptions=True)
    for client, pubsub in subscribers:
        await pubsub.aclose()
        await client.aclose()
    await publisher.aclose()
    receipts.connected = clients
    return receipts


def report(label: str, receipts: Receipts) -> str:
    d = receipts.delays
    return (f"{label}: frames {receipts.frames:,}  p50 {percentile(d, 50) * 1000:.1f} ms  "
            f"p99 {percentile(d, 99) * 1000:.1f} ms  max {max(d, default=float('nan')) * 1000:.1f} ms")


def main(*, clients: list[int], seconds: float, rate: float = 10.0, workers: int = 4) -> int:
    limit = raise_file_limit()
    env = bench_env(LIVE_EVENT_TIMESTAMPS="1", LIVE_WATCHDOG_SECONDS="1")
    recreate_database(env)
    setup_django(env)
    world = build_world(dealers=2, auctions=1)
    sessions = make_sessions(20)
    auction_id = world.auction_ids[0]
    print(f"Fan-out: one auction, {rate:g} bids/s for {seconds:g} s, uvicorn x{workers}, "
          f"Redis pub/sub channel layer (open files limit {limit})")
    status = 0
    # The bids' frames leave through the outbox (GAVEL_OUTBOX, on in production): its worker delivers them.
    with asgi_server(env, workers=workers) as port, outbox_worker(env):
        for count in clients:
            ours, outcome = asyncio.run(run_ours(port, auction_id, sessions, world.tokens, count, rate, seconds))
            print(f"  {count} clients: connected {ours.connected}, failed {ours.failed}; "
                  f"bids accepted {outcome['accepted']}, refused {outcome['refused']}; "
                  f"events {outcome['events']}, lost {outcome['lost']}, clients behind the final state "
                  f"{outcome['behind']}")
            print("    " + report("ours     ", ours))
            payload = 420  # about one bid frame with two new bids
            reference = asyncio.run(run_reference(env["REDIS_URL"], count, rate, seconds, payload))
            print("    " + report("reference", reference))
            ratio = percentile(ours.delays, 99) / percentile(reference.delays, 99)
            print(f"    p99 ratio ours / raw Redis PUBLISH: {ratio:.1f}x")
            if outcome["lost"] or outcome["behind"] or ours.failed:
                status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main(clients=[500, 2000], seconds=20))
