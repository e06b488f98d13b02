"""Several machines, no local state (issue 19): the stack scaled out as production would run it (docker-compose.yml,
docs/deploy.md) — two web processes (gunicorn, WSGI), two live processes (uvicorn, WebSockets), two Celery
workers (every queue each; no beat, see the closing test) and two outbox workers, each on its own port or
node name, sharing only what a deployment shares: one PostgreSQL database, one Redis, one media store (whatever
storage the environment configures: the test's MEDIA_ROOT folder here, object storage with MEDIA_STORAGE=s3), the
secrets and the log's signing key. Nothing a request or a task needs lives in one process.

- a bid sent to web A reaches WebSocket clients connected to live A and live B;
- a photo uploaded through web A is served through web B;
- 200 auctions whose end passes at the same moment, with both workers closing, close exactly once each: one close in
  the audit log, one closed entry in the transparency log and one sale per auction; the tree heads both workers sign
  after the closes all check against the one shared log key.

The processes start once for the module (in parallel) and serve its three tests.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image
from rest_framework.authtoken.models import Token

from auctions.models import Auction, Bid, BidderLabel
from auctions.services.auction_log import auction_log_opened, log_append_bid_request
from config.celery import app
from core.clock import db_now
from core.models import AuditLog
from marketplace.models import Listing, ListingPhoto
from payments.models import Sale
from payments.tasks import auctions_enqueue_closing_task
from tests.accounts.factories import DealerFactory, SellerFactory
from tests.auctions.factories import make_auction
from tests.conftest import (
    ROOT,
    celery_worker_hostname,
    launch_celery_worker,
    subprocess_env,
    wait_for_celery_workers,
)
from tests.live.conftest import Server, frames, launch_server, session_cookie, stop, wait_until_serving
from tests.marketplace.factories import ListingFactory
from transparency.keys import log_key
from transparency.models import LogEntry, SignedHead
from transparency.services import log_size
from transparency.signing import SignedTreeHead

# A group of its own (one xdist worker runs the module's tests one after another, next to the "serial" group in
# the other: its bounds are generous, its processes its own); on PostgreSQL (SKIP LOCKED).
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("scale"), pytest.mark.django_db(transaction=True)]

AUCTIONS = 200
DEALERS = 20
HAMMER_MINOR = 10_000_00
LEAD_SECONDS = 3  # the common end, this long after the seeding commits
# The bounds, from the common end: every auction closed (measured 6-14 s on a 2-core machine at load 15-18); every
# sale open and the workers idle (the sales open one after another, under the invoice counter's lock: 30-50 s there).
CLOSE_BOUND_SECONDS = 45
SETTLE_BOUND_SECONDS = 120


@dataclass
class Cluster:
    webs: list[Server]
    lives: list[Server]
    workers: dict[str, subprocess.Popen]
    outboxes: list[subprocess.Popen]
    media_dir: Path
    started_in: float


def _launch_outbox_worker(env: dict) -> subprocess.Popen:
    """`manage.py outbox_worker`, as docker-compose's `outbox` service runs it."""
    return subprocess.Popen([sys.executable, "manage.py", "outbox_worker"], cwd=ROOT,
                            env=subprocess_env(env), start_new_session=True)


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    base = tmp_path_factory.mktemp("scale")
    media_dir, var_dir = base / "media", base / "var"
    media_dir.mkdir()
    var_dir.mkdir()
    # What every machine shares: the database and Redis (subprocess_env), the media store, the secrets, the log's
    # signing key (GAVEL_LOG_PRIVATE_KEY, set for the whole run in tests/dbselect.py).
    env = {
        "SECRET_KEY": settings.SECRET_KEY,
        "MEDIA_ROOT": str(media_dir),
        "GAVEL_OUTBOX": "1",  # production's path for a bid's live frames: the outbox workers deliver them
        "GAVEL_NOTIFY_ASYNC": "1",  # a close's effects (notifications, the sale) go to the default queue
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "GAVEL_VAR_DIR": str(var_dir),
    }
    started = time.monotonic()
    webs, lives, workers, outboxes = [], [], {}, []
    try:
        with django_db_blocker.unblock():
            webs = [launch_server(redis_url=settings.REDIS_URL, extra_env=env, wsgi=True) for _ in range(2)]
            lives = [launch_server(redis_url=settings.REDIS_URL, extra_env=env) for _ in range(2)]
            workers = {
                "scale-a": launch_celery_worker(extra_env=env, name="scale-a"),
                "scale-b": launch_celery_worker(extra_env=env, name="scale-b"),
            }
            outboxes = [_launch_outbox_worker(env) for _ in range(2)]
            for name, server in zip(("web A", "web B", "live A", "live B"), (*webs, *lives), strict=True):
                wait_until_serving(server, name, seconds=60)
            wait_for_celery_workers(workers, seconds=60)
        yield Cluster(webs=webs, lives=lives, workers=workers, outboxes=outboxes, media_dir=media_dir,
                      started_in=time.monotonic() - started)
    finally:
        stop(*(server.proc for server in (*webs, *lives)), *workers.values(), *outboxes)


@pytest.fixture(autouse=True)
def _shared_media(cluster, settings):
    """This process reads and writes the media store the servers use (the suite's own per-test folder otherwise)."""
    settings.MEDIA_ROOT = cluster.media_dir


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The suite's per-test cache.clear() would FLUSHDB the Redis the module's workers are bound to (Celery's queue
    bindings live there): this module keeps its Redis for its whole life."""


def _request(server: Server, method: str, path: str, *, token: str, body: bytes | None = None,
             content_type: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Token {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    return response.status, (json.loads(raw) if raw else {})


def _json(server: Server, method: str, path: str, payload: dict, *, token: str) -> tuple[int, dict]:
    return _request(server, method, path, token=token, body=json.dumps(payload).encode(),
                    content_type="application/json")


def _token(user) -> str:
    return Token.objects.create(user=user).key


def test_a_bid_through_web_a_reaches_sockets_on_live_a_and_live_b(cluster, record_property):
    record_property("cluster_started_in_s", round(cluster.started_in, 2))
    web_a = cluster.webs[0]
    live_a, live_b = cluster.lives
    auction = make_auction(starting_price_minor=HAMMER_MINOR)
    bidder, watcher = DealerFactory(verified=True), DealerFactory(verified=True)
    with live_b.ws(f"/ws/auctions/{auction.pk}/", watcher) as on_b, \
            live_a.ws(f"/ws/auctions/{auction.pk}/", watcher) as on_a:
        sent = time.monotonic()
        status, body = _json(web_a, "POST", f"/api/v1/auctions/{auction.pk}/bids/",
                             {"amount_minor": HAMMER_MINOR}, token=_token(bidder))
        assert status == 201, body
        [frame_b] = frames(on_b, 1, timeout=20)
        [frame_a] = frames(on_a, 1, timeout=20)
        record_property("bid_to_sockets_s", round(time.monotonic() - sent, 3))
    for frame in (frame_a, frame_b):
        assert frame["kind"] == "bid" and frame["price_minor"] == HAMMER_MINOR and frame["bid_count"] == 1
        assert frame["event_seq"] == Auction.objects.get(pk=auction.pk).event_seq


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _multipart(name: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _get_url(url: str, *, server: Server, cookie: str) -> tuple[int, bytes]:
    """GET a photo's URL as the browser would: with the seller's session cookie when the URL is the server's own
    (Django serves the media), without it when it points elsewhere (object storage's signed URL), following
    redirects (a page that hands out a signed URL)."""
    for _ in range(5):
        parts = urlsplit(url)
        ours = parts.hostname == "127.0.0.1" and parts.port == server.port
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"} if ours else {}
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
        response = conn.getresponse()
        body = response.read()
        location = response.getheader("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response.status, body
        url = urljoin(url, location)
    pytest.fail(f"too many redirects for {url}")


def test_a_photo_uploaded_through_web_a_is_served_through_web_b(cluster):
    web_a, web_b = cluster.webs
    seller = SellerFactory()
    listing = ListingFactory(seller=seller)  # a draft: its photos are private to the seller (and staff)
    token = _token(seller)
    body, content_type = _multipart("photo", "front.jpg", _jpeg(), "image/jpeg")
    status, uploaded = _request(web_a, "POST", f"/api/v1/listings/{listing.pk}/photos/", token=token, body=body,
                                content_type=content_type)
    assert status == 201, uploaded
    [photo_out] = uploaded["photos"]

    # Web B, which never saw the upload, lists it and serves every variant from the shared store.
    status, detail = _request(web_b, "GET", f"/api/v1/listings/{listing.pk}/", token=token)
    assert status == 200, detail
    [listed] = detail["photos"]
    assert listed["id"] == photo_out["id"]
    photo = ListingPhoto.objects.get(pk=photo_out["id"])
    cookie = session_cookie(seller)
    for variant in ("original", "thumb", "medium", "large"):
        url = listed["urls"][variant]
        status, served = _get_url(url, server=web_b, cookie=cookie)
        assert status == 200, (variant, url, served[:200])
        with default_storage.open(getattr(photo, variant).name) as stored:
            assert served == stored.read(), f"web B served other bytes than the store holds for the {variant}"
    assert Image.open(io.BytesIO(served)).size[0] > 0


def _seed_auctions_ending_together(lead_seconds: float) -> list[int]:
    """200 live auctions, all ending at one moment `lead_seconds` from the database's clock, each with one standing
    bid over its reserve (so each close sells and opens a sale) and in the transparency log as the services would
    have logged it (opened, the bid, reserve met): bulk inserts and the log's own appends, in one transaction.
    Returns the auctions' ids."""
    seller = SellerFactory()
    dealers = [DealerFactory(verified=True) for _ in range(DEALERS)]
    now = db_now()
    started, bid_at, ends_at = now - timedelta(hours=1), now - timedelta(minutes=30), now + timedelta(
        seconds=lead_seconds)
    with transaction.atomic():
        listings = Listing.objects.bulk_create([
            Listing(seller=seller, status=Listing.Status.IN_AUCTION, vin=f"WSCALE{n:011d}", make="Volkswagen",
                    model="Golf", first_registration_year=2015 + n % 8, mileage_km=40_000 + n, postcode="10115",
                    city="Berlin", reserve_minor=8_000_00)
            for n in range(AUCTIONS)])
        auctions = Auction.objects.bulk_create([
            Auction(listing=listing, status=Auction.Status.LIVE, starts_at=started, ends_at=ends_at,
                    duration_minutes=60, starting_price_minor=HAMMER_MINOR, reserve_minor=listing.reserve_minor,
                    price_minor=HAMMER_MINOR, bid_count=1, last_sequence=1, leader=dealers[n % DEALERS])
            for n, listing in enumerate(listings)])
        bids = Bid.objects.bulk_create([
            Bid(auction=auction, dealer=auction.leader, placed_by=auction.leader, amount_minor=HAMMER_MINOR,
                kind=Bid.Kind.DIRECT, sequence=1, is_visible=True, created_at=bid_at)
            for auction in auctions])
        BidderLabel.objects.bulk_create([BidderLabel(auction=bid.auction, dealer=bid.dealer, number=1)
                                         for bid in bids])
        for auction, bid in zip(auctions, bids, strict=True):
            auction_log_opened(auction, now=started)
            log_append_bid_request(auction, bids=[bid], labels={bid.dealer_id: 1}, first_bid_number=1,
                                   extended=False, now=bid_at)
        Auction.objects.bulk_update(auctions, ["log_seq", "log_reserve_met"])
    return [auction.pk for auction in auctions]


def _hosts(workers: dict[str, subprocess.Popen]) -> dict[str, str]:
    """name -> the node name each of the module's workers answers with (other programs may share the broker)."""
    replies = app.control.ping(timeout=1)
    answered = [host for reply in replies for host in reply]
    return {name: host for name in workers for host in answered if host.startswith(celery_worker_hostname(name))}


def _closing_tasks_run(hosts: dict[str, str]) -> dict[str, int]:
    """How many closing tasks (on-time closes and sweeps) each of the module's workers has run."""
    stats = cast(dict[str, dict[str, Any]],
                 app.control.inspect(destination=list(hosts.values()), timeout=2).stats() or {})
    return {name: sum(int(count) for task, count in stats.get(host, {}).get("total", {}).items()
                      if task in {"payments.tasks.auction_close_task", "payments.tasks.auctions_close_due_task"})
            for name, host in hosts.items()}


def _in_flight(hosts: dict[str, str]) -> int:
    """Tasks the workers are running, hold or have scheduled, plus messages waiting in the queues."""
    inspect = app.control.inspect(destination=list(hosts.values()), timeout=1)
    held = sum(len(tasks) for call in (inspect.active, inspect.reserved, inspect.scheduled)
               for tasks in (call() or {}).values())
    with app.connection_for_write() as conn:
        client = cast(Any, conn.default_channel).client  # kombu's Redis channel: its client (key prefix included)
        waiting = sum(client.llen(queue) for queue in settings.CELERY_TASK_QUEUES)
    return held + waiting


def _wait_for(what: str, predicate, deadline: float) -> None:
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def test_200_auctions_ending_at_once_close_exactly_once_each_with_two_workers(cluster, record_property):
    hosts = _hosts(cluster.workers)
    assert set(hosts) == set(cluster.workers), f"both workers answer: {hosts}"
    seeded = time.monotonic()
    ids = _seed_auctions_ending_together(lead_seconds=LEAD_SECONDS)
    end = seeded + LEAD_SECONDS
    record_property("seed_s", round(time.monotonic() - seeded, 2))
    # What beat's minute job does for auctions about to end: one on-time (ETA) close task each, on the `closing`
    # queue both workers consume; every close task also sweeps whatever else is overdue (the sweeper's own code,
    # FOR UPDATE SKIP LOCKED), so both workers' sweeps and closes race for the same rows. No beat runs here: its
    # other periodic jobs (rendering the invoices' PDFs, ...) would only slow the count down.
    auctions_enqueue_closing_task.delay()
    [ends_at] = set(Auction.objects.filter(pk__in=ids).values_list("ends_at", flat=True))  # one moment for all
    _wait_for("every auction to close", lambda: not Auction.objects.filter(
        pk__in=ids, status=Auction.Status.LIVE).exists(), end + CLOSE_BOUND_SECONDS)
    record_property("last_close_after_end_s", max(
        (closed - ends_at).total_seconds() for closed in
        Auction.objects.filter(pk__in=ids).values_list("closed_at", flat=True)))
    _wait_for("every sale to open", lambda: Sale.objects.filter(auction_id__in=ids).count() >= AUCTIONS,
              end + SETTLE_BOUND_SECONDS)
    record_property("sales_open_s", round(time.monotonic() - seeded, 2))
    # Whatever is still in flight (a duplicate close or sale would be) lands before the counting.
    _wait_for("the workers to finish what they hold", lambda: _in_flight(hosts) == 0, end + SETTLE_BOUND_SECONDS)
    record_property("all_done_s", round(time.monotonic() - seeded, 2))

    assert Auction.objects.filter(pk__in=ids).count() == AUCTIONS
    outcomes = Counter(Auction.objects.filter(pk__in=ids).values_list("status", "outcome"))
    assert outcomes == {(Auction.Status.CLOSED, Auction.Outcome.SOLD): AUCTIONS}
    assert not Auction.objects.filter(pk__in=ids, closed_at__lt=ends_at).exists(), "closed before its end"
    closes = Counter(AuditLog.objects.filter(
        content_type__app_label="auctions", content_type__model="auction", object_id__in=ids,
        to_state=Auction.Status.CLOSED).values_list("object_id", flat=True))
    assert set(closes) == set(ids) and set(closes.values()) == {1}, "one close entry per auction"
    per_auction = Counter(Sale.objects.filter(auction_id__in=ids).values_list("auction_id", flat=True))
    assert set(per_auction) == set(ids) and set(per_auction.values()) == {1}, "one sale per auction"
    assert Listing.objects.filter(auctions__in=ids, status=Listing.Status.SOLD).count() == AUCTIONS
    logged = Counter(LogEntry.objects.filter(auction_id__in=ids, kind="closed").values_list("auction_id", flat=True))
    assert set(logged) == set(ids) and set(logged.values()) == {1}, "one closed entry per auction in the log"
    # Both workers signed tree heads after the closes, with the one shared key: every head checks against it, and
    # the last one covers the whole log.
    key = log_key()
    heads = list(SignedHead.objects.order_by("tree_size", "timestamp_us", "id"))
    assert heads and {head.key_id for head in heads} == {key.key_id}
    public = base64.b64decode(key.public_json()["public_key"])
    assert all(SignedTreeHead(tree_size=head.tree_size, timestamp_us=head.timestamp_us,
                              root_hash=bytes(head.root_hash), key_id=head.key_id,
                              signature=bytes(head.signature)).verify(public) for head in heads)
    assert heads[-1].tree_size == log_size()
    done = _closing_tasks_run(hosts)
    record_property("closing_tasks_per_worker", done)
    assert all(done.values()), f"both workers took part in the closing: {done}"
