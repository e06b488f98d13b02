"""Saved-search fan-out: what matching one new auction costs against 10,000 stored saved searches.

    python -m bench saved_searches [--searches 10000]

Figures, three repeats each (the order alternating): the queries `auctions.selectors.saved_search_list_matching`
runs at 100 and at --searches stored searches (they must be equal: one), and its median latency — the ORM query
built and run, rows fetched — against the same matching written by hand in raw SQL through a cursor, in the same
run (ratio ORM / raw). The searches are bulk-inserted bench data: 200 dealers, criteria drawn at random from the
makes, models, years, mileages, prices and cities the listings use, a third of each criterion left empty. The
location is a list of one to four regions (cities and postcode areas: what stands in for a radius, since listings
carry no coordinates), stored as `SavedSearch.places`; the car's regions are a fixed number of LIKE terms.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from bench.common import bench_env, recreate_database, setup_django

MAKES = {"Volkswagen": ["Golf", "Polo", "Passat"], "BMW": ["320d", "X3"], "Ford": ["Focus", "Fiesta"],
         "Toyota": ["Yaris", "Corolla"], "Skoda": ["Octavia", "Fabia"]}
CITIES = [("Berlin", "10115"), ("Hamburg", "20095"), ("Munich", "80331"), ("Cologne", "50667"),
          ("Potsdam", "14467"), ("Leipzig", "04109")]
DEALERS = 200
CALLS = 30
REPEATS = 3

RAW_SQL = """
SELECT s.id FROM auctions_savedsearch s
WHERE (s.make = '' OR UPPER(s.make) = UPPER(%(make)s))
  AND (s.model = '' OR STRPOS(LOWER(%(model)s), LOWER(s.model)) > 0)
  AND (s.year_min IS NULL OR s.year_min <= %(year)s) AND (s.year_max IS NULL OR s.year_max >= %(year)s)
  AND (s.mileage_max IS NULL OR s.mileage_max >= %(mileage)s)
  AND (s.price_min IS NULL OR s.price_min <= %(price)s) AND (s.price_max IS NULL OR s.price_max >= %(price)s)
  AND (s.grade = '' OR s.grade = %(grade)s)
  AND (s.places = '' OR s.places LIKE ANY(%(regions)s))
"""


def _maybe(rng: random.Random, value):
    return value if rng.random() < 2 / 3 else None


def _insert_searches(count: int, dealers, rng: random.Random) -> None:
    from auctions.models import SavedSearch, location_places, location_places_key

    rows = []
    for n in range(count):
        make = rng.choice(list(MAKES))
        year = rng.randrange(2008, 2024)
        price = rng.randrange(3_000, 40_000) * 100
        regions = [rng.choice([city, postcode[:rng.randrange(1, 3)]])
                   for city, postcode in rng.sample(CITIES, rng.randrange(1, 5))]
        location = ", ".join(regions) if rng.random() < 2 / 3 else ""
        rows.append(SavedSearch(
            dealer=dealers[n % len(dealers)], name=f"search {n}", make=_maybe(rng, make) or "",
            model=_maybe(rng, rng.choice(MAKES[make])) or "", year_min=_maybe(rng, year - 3),
            year_max=_maybe(rng, year + 3), mileage_max=_maybe(rng, rng.randrange(50, 250) * 1000),
            price_min=_maybe(rng, price // 2), price_max=_maybe(rng, price), grade="",
            location=location, places=location_places_key(location_places(location))))
    SavedSearch.objects.bulk_create(rows, batch_size=2000)


def _auction():
    from django.utils import timezone

    from accounts.models import User
    from auctions.models import Auction
    from marketplace.models import Listing

    seller = User.objects.create(email="bench-seller@gavel.test", password="!", full_name="Bench Seller")
    staff = User.objects.create(email="bench-staff@gavel.test", password="!", full_name="Bench Staff",
                                role=User.Role.STAFF)
    listing = Listing.objects.create(seller=seller, status=Listing.Status.IN_AUCTION, vin="WVWZZZ1KZBW000001",
                                     registration_plate="B-X 1", make="Volkswagen", model="Golf",
                                     first_registration_year=2016, mileage_km=90_000, city="Berlin",
                                     postcode="10115", reserve_minor=12_000_00)
    starts = timezone.now() + timedelta(hours=1)
    return Auction.objects.create(listing=listing, status=Auction.Status.SCHEDULED, starts_at=starts,
                                  ends_at=starts + timedelta(minutes=20), duration_minutes=20,
                                  starting_price_minor=11_000_00, reserve_minor=12_000_00, scheduled_by=staff)


def _timed(fn) -> list[float]:
    times = []
    for _ in range(CALLS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main(*, searches: int = 10_000) -> int:
    env = bench_env()
    recreate_database(env)
    setup_django(env)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from auctions.selectors import listing_regions, saved_search_auction_get, saved_search_list_matching

    rng = random.Random(17)
    dealers = User.objects.bulk_create([User(email=f"bench-dealer{n}@gavel.test", password="!", full_name=f"D {n}",
                                             role=User.Role.DEALER) for n in range(DEALERS)])
    auction = saved_search_auction_get(_auction().pk)
    assert auction is not None
    price = auction.starting_price_minor
    listing = auction.listing
    params = {"make": listing.make, "model": listing.model, "year": listing.first_registration_year,
              "mileage": listing.mileage_km, "price": price, "grade": getattr(auction, "grade", None) or "",
              "regions": [f"%,{region},%" for region in listing_regions(city=listing.city,
                                                                           postcode=listing.postcode)]}

    def orm() -> list[int]:
        return list(saved_search_list_matching(auction=auction, price_minor=price).values_list("id", flat=True))

    def raw() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, params)
            return [row[0] for row in cursor.fetchall()]

    _insert_searches(100, dealers, rng)
    with CaptureQueriesContext(connection) as small:
        orm()
    _insert_searches(searches - 100, dealers, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE auctions_savedsearch")
    with CaptureQueriesContext(connection) as full:
        matched = orm()
    assert sorted(matched) == sorted(raw()), "the ORM query and the raw SQL disagree"

    print(f"Saved-search matching: {searches:,} searches stored, {len(matched):,} match the new auction")
    print(f"  queries: {len(small.captured_queries)} at 100 searches, {len(full.captured_queries)} at {searches:,}")
    ratios = []
    for repeat in range(REPEATS):
        pair = [("orm", orm), ("raw", raw)] if repeat % 2 == 0 else [("raw", raw), ("orm", orm)]
        medians = {name: statistics.median(_timed(fn)) for name, fn in pair}
        ratios.append(medians["orm"] / medians["raw"])
        print(f"  repeat {repeat + 1}: ORM {medians['orm'] * 1000:.2f} ms, raw SQL {medians['raw'] * 1000:.2f} ms "
              f"(median of {CALLS}), ratio {ratios[-1]:.2f}")
    print(f"  ORM / raw SQL: {min(ratios):.2f}–{max(ratios):.2f}")
    return 0 if len(small.captured_queries) == len(full.captured_queries) == 1 else 1
