"""Dealer dashboard over many live auctions: queries per page stay constant, and page time.

    python -m bench dashboard [--auctions 10000]

Queries are counted in-process for several pages of the HTML dashboard and the API list. Page time
is measured through the production-shaped server with 8 concurrent dealers opening random pages;
the reference is the dashboard's own main query (the page of auctions, ending soonest first) issued
straight to PostgreSQL by the same number of clients, and p95 is printed as a ratio of it.
"""

from __future__ import annotations

import random
import time

from bench.bidding import build_world
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

CLIENTS = 8
SECONDS = 15
REFERENCE_SQL = (
    "SELECT a.id, a.price_minor, a.bid_count, a.ends_at, l.make, l.model, l.first_registration_year, l.mileage_km,"
    " l.city FROM auctions_auction a JOIN marketplace_listing l ON l.id = a.listing_id"
    " WHERE a.status IN ('live', 'scheduled') ORDER BY a.ends_at, a.id LIMIT %s OFFSET %s"
)


def _session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _spread(pages: int) -> list[int]:
    return sorted({1, min(2, pages), max(1, pages // 2), pages})


def count_queries(user, *, html_pages: int, api_pages: int) -> dict[str, list[int]]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    counts: dict[str, list[int]] = {}
    for name, path, pages in (("dashboard page", "/auctions/", html_pages), ("API list", "/api/v1/auctions/",
                                                                            api_pages)):
        counts[f"{name} (pages {', '.join(map(str, _spread(pages)))})"] = values = []
        for page in _spread(pages):
            cache.delete("auctions:makes")  # count every page as the first in a minute (makes not cached)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, {"page": page})
            assert response.status_code == 200, (path, page, response.status_code)
            values.append(len(queries))
    return counts


def main(*, auctions: int, workers: int) -> int:
    env = bench_env()
    recreate_database(env)
    setup_django(env)
    from accounts.models import User
    from auctions.views import PAGE_SIZE

    world = build_world(dealers=CLIENTS, auctions=auctions)
    dealers = list(User.objects.filter(pk__in=world.dealer_ids))
    pages = -(-auctions // PAGE_SIZE)
    print(f"Dashboard: {auctions} live auctions, {PAGE_SIZE} per page ({pages} pages), {CLIENTS} dealers, "
          f"{http_server_name(workers)}")
    from django.conf import settings

    api_pages = -(-auctions // settings.REST_FRAMEWORK["PAGE_SIZE"])
    counts = count_queries(dealers[0], html_pages=pages, api_pages=api_pages)
    flat = all(len(set(v)) == 1 for v in counts.values())
    for name, values in counts.items():
        print(f"  queries per request, {name}: {values}")
    print(f"  -> constant across pages and auction counts: {'yes' if flat else 'NO'}")

    cookies = [_session_cookie(u) for u in dealers]
    sample = Sample()
    with http_server(env, workers=workers) as port:
        def work(index, stop_at):
            http = Http(port, "unused")
            http.headers = {"Cookie": cookies[index]}
            rng = random.Random(index)
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                status, _ = http.request_raw("GET", f"/auctions/?page={rng.randint(1, pages)}")
                sample.add(time.perf_counter() - started, str(status), status == 200)

        sample.wall = run_threads(CLIENTS, SECONDS, work)

    reference = Sample()
    dsn = env["DATABASE_URL"]

    def ref_work(index, stop_at):
        import psycopg

        rng = random.Random(index)
        with psycopg.connect(dsn, autocommit=True) as conn:
            while time.monotonic() < stop_at:
                offset = (rng.randint(1, pages) - 1) * PAGE_SIZE
                started = time.perf_counter()
                with conn.cursor() as cur:
                    cur.execute(REFERENCE_SQL, [PAGE_SIZE, offset])
                    cur.fetchall()
                reference.add(time.perf_counter() - started, "200", True)

    reference.wall = run_threads(CLIENTS, SECONDS, ref_work)
    ok = sample.codes.get("200", 0)
    p95, ref_p95 = percentile(sample.latencies, 95), percentile(reference.latencies, 95)
    print(f"  dashboard pages: {ok} served ({ok / sample.wall:.1f}/s), statuses {dict(sample.codes)}, "
          f"p50 {ms(percentile(sample.latencies, 50))}, p95 {ms(p95)}")
    print(f"  reference (the page's main query in SQL): {reference.accepted / reference.wall:.0f}/s, "
          f"p95 {ms(ref_p95)}")
    print(f"  -> dashboard p95 / reference p95: {p95 / ref_p95:.1f}")
    return 0 if flat and ok == sum(sample.codes.values()) else 1
