"""Demo auctions for `make run` (idempotent, keyed by VIN): live ones with bids (one with a proxy), one
scheduled for later, one sold, one awaiting the seller's decision.

Each demo car is listed, inspected (a published report, mostly clean) and approved the way the
inspections demo does it. DEMO ONLY: closed demo auctions get their times moved into the past before
closing; real auctions never do that.
"""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auctions import services
from auctions.models import Auction
from inspections import services as inspection_services
from marketplace import services as listing_services
from marketplace.demo import demo_photo
from marketplace.models import Listing

_CAR = {"fuel": "petrol", "transmission": "manual", "body_type": "hatchback", "previous_owners": 1,
        "service_history": True}

# (seller, VIN, car fields, colour, plan)
DEMO_AUCTIONS: list[tuple[str, str, dict[str, Any], tuple[int, int, int], dict[str, Any]]] = [
    ("seller@gavel.test", "WVWZZZ3CZEE000501", {
        "registration_plate": "B-GV 501", "make": "Volkswagen", "model": "Passat", "variant": "Variant 2.0 TDI",
        "first_registration_year": 2017, "mileage_km": 132_000, "fuel": "diesel", "body_type": "estate",
        "colour": "Grey", "postcode": "10405", "city": "Berlin", "reserve_minor": 14_000_00}, (70, 80, 95),
     {"kind": "live", "minutes": 17, "start": 11_000_00,
      "bids": [("dealer@gavel.test", "amount", 11_000_00), ("dealer2@gavel.test", "max", 14_500_00),
               ("dealer3@gavel.test", "amount", 12_000_00)]}),
    ("seller2@gavel.test", "WDD2050401R000502", {
        "registration_plate": "M-SO 502", "make": "Mercedes-Benz", "model": "C 200", "variant": "Avantgarde",
        "first_registration_year": 2019, "mileage_km": 64_000, "transmission": "automatic", "body_type": "saloon",
        "colour": "White", "postcode": "80333", "city": "München", "reserve_minor": 24_000_00}, (225, 225, 220),
     {"kind": "live", "minutes": 9, "start": 20_000_00, "bids": [("dealer3@gavel.test", "amount", 20_000_00)]}),
    ("seller@gavel.test", "VNKKTUD3X0A000503", {
        "registration_plate": "B-GV 503", "make": "Toyota", "model": "Yaris", "variant": "1.5 Hybrid",
        "first_registration_year": 2020, "mileage_km": 38_000, "fuel": "hybrid", "transmission": "automatic",
        "colour": "Red", "postcode": "12059", "city": "Berlin", "reserve_minor": 12_500_00}, (185, 35, 45),
     {"kind": "live", "minutes": 19, "start": 10_000_00, "bids": []}),
    ("seller2@gavel.test", "W0L0AHL4805000504", {
        "registration_plate": "M-SO 504", "make": "Opel", "model": "Astra", "variant": "1.4 Turbo",
        "first_registration_year": 2016, "mileage_km": 101_000, "colour": "Blue", "postcode": "81541",
        "city": "München", "reserve_minor": 7_500_00}, (30, 70, 150),
     {"kind": "scheduled", "hours_ahead": 3, "start": 6_000_00}),
    ("seller2@gavel.test", "WF0XXXGCDX8000505", {
        "registration_plate": "M-SO 505", "make": "Ford", "model": "Focus", "variant": "1.0 EcoBoost",
        "first_registration_year": 2018, "mileage_km": 77_000, "colour": "Black", "postcode": "80469",
        "city": "München", "reserve_minor": 9_000_00}, (25, 25, 30),
     {"kind": "closed", "start": 8_000_00,
      "bids": [("dealer@gavel.test", "max", 10_000_00), ("dealer2@gavel.test", "amount", 9_500_00)]}),
    ("seller@gavel.test", "VF3CCHMZ6HW000506", {
        "registration_plate": "B-GV 506", "make": "Peugeot", "model": "208", "variant": "PureTech 82",
        "first_registration_year": 2015, "mileage_km": 118_000, "colour": "Orange", "postcode": "10961",
        "city": "Berlin", "reserve_minor": 7_000_00}, (230, 120, 30),
     {"kind": "closed", "start": 5_000_00,
      "bids": [("dealer3@gavel.test", "amount", 5_000_00), ("dealer@gavel.test", "amount", 5_500_00)]}),
]


def _approved_demo_listing(*, seller: User, admin: User, vin: str, fields: dict, colour) -> Listing:
    from inspections.checklist import Status
    from inspections.demo import demo_inspection_walk

    listing = Listing.objects.filter(vin=vin, seller=seller).first()
    if listing is None:
        listing = listing_services.listing_create(seller=seller, vin=vin, **{**_CAR, **fields})
        title = f"{fields['make']} {fields['model']}"
        uploads = [demo_photo(title=title, colour=colour, number=1),
                   demo_photo(title=title, colour=tuple(max(0, c - 40) for c in colour), number=2)]
        listing_services.listing_photos_add(listing=listing, actor=seller, uploads=uploads)
        inspection_services.listing_submit_for_inspection(listing=listing, actor=seller)
    if listing.status in (Listing.Status.SUBMITTED, Listing.Status.INSPECTION_SCHEDULED, Listing.Status.INSPECTED):
        inspector = User.objects.get(email__iexact="inspector@gavel.test")
        demo_inspection_walk(
            listing=listing, state="approved", staff=admin, inspector=inspector, damage=[],
            findings={"paint.stone_chips": (Status.MINOR, "A few stone chips on the bonnet.")},
            facts={"odometer_km": fields["mileage_km"] + 150, "accident": False, "flood": False, "fire": False})
    listing.refresh_from_db()
    return listing


def _bid(auction: Auction, email: str, how: str, amount: int) -> None:
    dealer = User.objects.get(email__iexact=email)
    key = "amount_minor" if how == "amount" else "max_amount_minor"
    amount_kwargs: dict[str, Any] = {key: amount}
    services.bid_place(auction_id=auction.pk, dealer=dealer, **amount_kwargs)


def demo_auctions_ensure() -> list[Auction]:
    admin = User.objects.get(email__iexact="admin@gavel.test")
    now = timezone.now()
    auctions = []
    for email, vin, fields, colour, plan in DEMO_AUCTIONS:
        seller = User.objects.get(email__iexact=email)
        existing = Auction.objects.filter(listing__vin=vin, listing__seller=seller).order_by("-id").first()
        if existing is not None:
            auctions.append(existing)
            continue
        listing = _approved_demo_listing(seller=seller, admin=admin, vin=vin, fields=fields, colour=colour)
        if plan["kind"] == "scheduled":
            auctions.append(services.auction_schedule(
                listing=listing, actor=admin, starts_at=now + timedelta(hours=plan["hours_ahead"]),
                starting_price_minor=plan["start"]))
            continue
        auction = services.auction_schedule(listing=listing, actor=admin, starts_at=now,
                                            duration_minutes=plan.get("minutes", 20),
                                            starting_price_minor=plan["start"])
        for bid in plan["bids"]:
            _bid(auction, *bid)
        if plan["kind"] == "closed":
            # Demo only: pretend this auction ran earlier today, then close it as the scheduler would.
            with transaction.atomic():
                Auction.objects.filter(pk=auction.pk).update(starts_at=now - timedelta(hours=2),
                                                             ends_at=now - timedelta(hours=1, minutes=40))
            services.auction_close(auction_id=auction.pk)
        auction.refresh_from_db()
        auctions.append(auction)
    return auctions


def demo_auctions_reschedule() -> list[Auction]:
    """DEMO ONLY, at every `make run`: the demo's auctions that have not run yet, or are still running, get
    their times again from now (live ones end `minutes` from now, the scheduled one starts `hours_ahead` from
    now), so whoever starts Gavel finds live auctions, however long it was off. Closed ones stay as they are.
    Ends only move later here, which the bid gate's copy allows (auctions.bid_gate)."""
    now = timezone.now()
    moved = []
    for email, vin, _fields, _colour, plan in DEMO_AUCTIONS:
        auction = (Auction.objects.filter(listing__vin=vin, listing__seller__email__iexact=email)
                   .order_by("-id").first())
        if auction is None:
            continue
        if plan["kind"] == "live" and auction.status == Auction.Status.LIVE:
            times = {"ends_at": max(auction.ends_at, now + timedelta(minutes=plan["minutes"]))}
        elif plan["kind"] == "scheduled" and auction.status == Auction.Status.SCHEDULED:
            starts_at = now + timedelta(hours=plan["hours_ahead"])
            times = {"starts_at": starts_at, "ends_at": starts_at + (auction.ends_at - auction.starts_at)}
        else:
            continue
        with transaction.atomic():
            Auction.objects.filter(pk=auction.pk, status=auction.status).update(**times)
        auction.refresh_from_db()
        moved.append(auction)
    return moved
