"""Reads that must stay fast as the history grows: the seller's reserve step (price guidance) and the dealer record,
with N closed sales (100,000 by default) in a throwaway database.

    python -m bench insights [--sales 100000]

Figures, three repeats each: the number of queries each read makes at a small and at the full history (they must
be equal), and the p95 latency of the read — selector plus the pure method — against the p95 of the same SQL run
raw through a cursor (what the read costs beyond fetching its rows) in the same run; and the comparables SQL by
the indexed name keys against the case-insensitive regex it replaced, both raw (every sale of the model: the guide
itself asks only for those near the car, insights.selectors._near).

The history is bulk-inserted (bench data, not demo data): sold auctions spread over the past 12 months across 40
make/model pairs, years, mileages and grades, each with its sale to one of 200 dealers, a tenth of them paid late,
one in twenty collected late.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from bench.common import bench_env, recreate_database, setup_django

MODELS = [(make, model) for make in ("Volkswagen", "BMW", "Ford", "Opel", "Škoda", "Toyota", "Audi", "Renault")
          for model in ("A", "B", "C", "D", "E")]
DEALERS = 200
CALLS = 40  # timed calls per repeat
REPEATS = 3


def _people():
    from accounts.models import DealerProfile, User

    # Unusable passwords: nobody logs in, and hashing 200 passwords would take longer than the benchmark.
    seller = User.objects.create(email="bench-seller@gavel.test", password="!", full_name="Bench Seller")
    dealers = User.objects.bulk_create([User(email=f"bench-dealer{n}@gavel.test", password="!", full_name=f"D {n}",
                                             role=User.Role.DEALER) for n in range(DEALERS)])
    DealerProfile.objects.bulk_create([
        DealerProfile(user=u, company_name=f"Bench {n}", trade_licence_number=f"BENCH-{n}", address="x", phone="1",
                      status=DealerProfile.Status.VERIFIED, buying_limit_minor=10**15) for n, u in enumerate(dealers)])
    return seller, dealers


def _insert(sales: int, *, seller, dealers, offset: int) -> None:
    """Sold auctions with their sales, bulk-inserted in batches; then ANALYZE, as a live database would be."""
    from django.db import connection
    from django.utils import timezone

    from auctions.models import Auction
    from marketplace.models import Listing
    from payments.models import Sale

    rng = random.Random(offset)
    now = timezone.now()
    batch = 5_000
    for start in range(offset, offset + sales, batch):
        count = min(batch, offset + sales - start)
        listings = Listing.objects.bulk_create([
            Listing(seller=seller, status=Listing.Status.SOLD, sale_paid=True, vin=f"WBNCH{start + n:012d}",
                    make=MODELS[(start + n) % len(MODELS)][0], model=MODELS[(start + n) % len(MODELS)][1],
                    first_registration_year=2012 + rng.randrange(12), mileage_km=rng.randrange(5_000, 250_000),
                    fuel="petrol", transmission="manual", city="Berlin", postcode="10115", reserve_minor=8_000_00)
            for n in range(count)])
        auctions, closes, hammers = [], [], []
        for listing in listings:
            assert listing.mileage_km is not None  # built just above with a mileage
            closed = now - timedelta(days=rng.randrange(1, 360), minutes=rng.randrange(1440))
            hammer = max(1_000_00, 30_000_00 - (2024 - listing.first_registration_year) * 150_000
                         - listing.mileage_km * 5 + rng.randrange(-150_000, 150_000))
            closes.append(closed)
            hammers.append(hammer)
            auctions.append(Auction(
                listing=listing, status=Auction.Status.CLOSED, outcome=Auction.Outcome.SOLD,
                starts_at=closed - timedelta(minutes=20), ends_at=closed, duration_minutes=20,
                starting_price_minor=500_00, reserve_minor=8_000_00, price_minor=hammer, bid_count=1,
                closed_at=closed, hammer_price_minor=hammer, winner=dealers[rng.randrange(len(dealers))]))
        auctions = Auction.objects.bulk_create(auctions)
        rows = []
        for auction, closed, hammer in zip(auctions, closes, hammers, strict=True):
            paid = closed + timedelta(days=3 if rng.random() < 0.1 else 1)
            rows.append(Sale(
                auction=auction, listing=auction.listing, buyer=auction.winner, seller=seller, currency="EUR",
                status=Sale.Status.PAID_OUT, hammer_price_minor=hammer, buyer_fee_minor=0,
                seller_fee_minor=0, amount_due_minor=hammer,
                seller_receives_minor=hammer, payment_deadline=closed + timedelta(days=2),
                paid_at=paid, collection_deadline=paid + timedelta(days=5),
                handed_over_at=paid + timedelta(days=1 if rng.random() < 0.95 else 6),
                paid_out_at=paid + timedelta(days=1),
                created_at=closed))
        Sale.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _timed(fn) -> list[float]:
    times = []
    for _ in range(CALLS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _queries(fn) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return [q["sql"] for q in captured.captured_queries]


def _raw(sql_and_params):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            for sql, params in sql_and_params:
                cursor.execute(sql, params)
                cursor.fetchall()
    return run


def main(*, sales: int = 100_000) -> int:
    env = bench_env()
    recreate_database(env)
    setup_django(env)
    from django.utils import timezone

    from insights import selectors
    from marketplace.models import Listing

    small = 1_000
    started = time.perf_counter()
    seller, dealers = _people()
    _insert(small, seller=seller, dealers=dealers, offset=0)
    target = Listing.objects.create(seller=seller, status=Listing.Status.DRAFT, vin="WBNCHTARGET000001",
                                    make=MODELS[0][0], model=MODELS[0][1], first_registration_year=2018,
                                    mileage_km=90_000, fuel="petrol", transmission="manual")
    dealer = dealers[0]

    def guidance():
        return selectors.guidance_for_listing(target)

    def record():
        return selectors.dealer_record_get(dealer_id=dealer.pk)

    counts_small = (len(_queries(guidance)), len(_queries(record)))
    _insert(sales - small, seller=seller, dealers=dealers, offset=1_000_000)
    build_s = time.perf_counter() - started
    counts_full = (len(_queries(guidance)), len(_queries(record)))
    result = guidance()
    mine = selectors.dealer_record_get(dealer_id=dealer.pk)
    print(f"Insights reads: {sales:,} closed sales ({len(MODELS)} make/models, {DEALERS} dealers), "
          f"built in {build_s:.0f} s; {CALLS} calls x {REPEATS} repeats")
    print(f"  reserve-step guidance: {len(result.comparables)} comparables, enough={result.enough}; "
          f"dealer record: {mine.sales_won} sales won, {mine.summary}")
    flat = counts_small == counts_full
    print(f"  queries at {small:,} / {sales:,} sales: guidance {counts_small[0]} / {counts_full[0]}, "
          f"dealer record {counts_small[1]} / {counts_full[1]} -> constant: {'yes' if flat else 'NO'}")

    # The reference: the very SQL each read sends, executed raw (the rows fetched, nothing built from them).
    as_of = timezone.localtime()
    comparables_sql = selectors._comparables_query((), near=[selectors.car_spec_for_listing(target)],
                                                  as_of=as_of.date(), rules=selectors.GUIDANCE_RULES
                                                  ).query.sql_with_params()
    model_sql = selectors._comparables_query([(target.make, target.model)], as_of=as_of.date(),
                                            rules=selectors.GUIDANCE_RULES).query.sql_with_params()
    grade_sql = (selectors.InspectionReport.objects.filter(listing_id__in=[target.pk], is_current=True)
                 .values_list("listing_id", "grade").query.sql_with_params())
    sales_sql = selectors.dealer_sales_query(dealer_ids=[dealer.pk], as_of=as_of).query.sql_with_params()
    ids = selectors.dealer_sale_ids(dealer_ids=[dealer.pk], as_of=as_of)
    disputes_sql = (selectors.Dispute.objects.filter(sale_id__in=ids).order_by("created_at", "id")
                    .values("sale_id", "status", "outcome", "created_at", "resolved_at").query.sql_with_params())
    adjustments_sql = (selectors.AdjustmentRequest.objects.filter(sale_id__in=ids).order_by("created_at", "id")
                       .values("sale_id", "status", "created_at", "decided_at").query.sql_with_params())
    # What the comparables query was before the name keys: a case-insensitive regex per name, on every listing.
    regex_sql = regex_comparables(target.make, target.model, as_of=as_of.date()).query.sql_with_params()
    cases = [("reserve-step guidance", guidance, _raw([grade_sql, comparables_sql])),
             ("dealer record", record, _raw([sales_sql, disputes_sql, adjustments_sql]))]
    for name, read, raw in cases:
        ratios = []
        for repeat in range(REPEATS):
            read_p95 = _p95(_timed(read))
            raw_p95 = _p95(_timed(raw))
            ratios.append(read_p95 / raw_p95)
            print(f"  {name}, repeat {repeat + 1}: p95 {read_p95 * 1000:.1f} ms; same SQL raw p95 "
                  f"{raw_p95 * 1000:.1f} ms; ratio {read_p95 / raw_p95:.2f}")
        print(f"  -> {name}: median ratio to raw SQL {statistics.median(ratios):.2f}")
    ratios = []
    for repeat in range(REPEATS):
        keys_p95, regex_p95 = _p95(_timed(_raw([model_sql]))), _p95(_timed(_raw([regex_sql])))
        ratios.append(keys_p95 / regex_p95)
        print(f"  comparables SQL, repeat {repeat + 1}: by name keys (index) p95 {keys_p95 * 1000:.1f} ms; by the "
              f"regex it replaced p95 {regex_p95 * 1000:.1f} ms; ratio {keys_p95 / regex_p95:.2f}")
    print(f"  -> comparables SQL: median ratio of the name-key lookup to the regex scan "
          f"{statistics.median(ratios):.2f}")
    return 0 if flat else 1


def regex_comparables(make: str, model: str, *, as_of):
    """The comparables query as it was before Listing.make_key/model_key (same rows: tests/insights)."""
    import re

    from auctions.models import Auction
    from insights import selectors

    def pattern(text: str) -> str:
        return r"^\s*" + r"\s+".join(re.escape(word) for word in text.split()) + r"\s*$"

    last, lookback = selectors.month_index(as_of), selectors.GUIDANCE_RULES.lookback_months
    return (selectors._sold(Auction.objects)
            .filter(listing__make__iregex=pattern(make), listing__model__iregex=pattern(model),
                    closed_at__gte=selectors._month_start(last - lookback + 1),
                    closed_at__lt=selectors._month_start(last + 1))
            .order_by("id").values("id", "hammer_price_minor", "closed_at", **selectors._SALE_FIELDS))

