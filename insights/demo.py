"""Demo history for `make run` (idempotent): a year of closed auctions, so the price guide, the dealer and inspector
records and the market data show something real on first start.

Every car goes the whole way through the real services: listed with a photo, submitted, inspected (a published
report whose findings decide its grade), approved, auctioned (bids from the demo dealers), closed and settled —
sold, not sold (no bids) or declined below the reserve by its seller — then paid (on time or late, once not at
all: cancelled by staff), handed over and paid out; a few are disputed, upheld or rejected, and at a few
collections the dealer's check finds an undisclosed defect and the seller accepts the computed price adjustment.

DEMO ONLY — time travel: the services run now, by the database clock, and afterwards each car's auction, bids and
sale are moved back by whole days into the past year (as auctions.demo moves its closed auctions into the morning).
A late payment is made late the real way (the deadline passes, the sweep marks the sale overdue, then it is paid);
its hammer is then moved back further than the payment, by the days it was late. Published reports keep the moment
they were really published: they are frozen, and the inspector record has no window.
"""

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from accounts.models import User
from auctions import services as auction_services
from auctions.models import Auction, Bid, SellerConsent
from core.exceptions import ApplicationError
from inspections import services as inspection_services
from inspections.checklist import Status, checklist_load
from inspections.demo import _answers
from marketplace import services as listing_services
from marketplace.models import Listing
from payments import services as payment_services
from payments.models import AdjustmentRequest, CollectionCheck, Dispute, Payment, Sale
from payments.services.adjustments import (
    FindingInput,
    adjustment_decide,
    adjustment_request_open,
    collection_check_record,
)

VIN_PREFIX = "WGVDEMH"  # 7 + 10 digits; European VINs carry no check digit
HISTORY_SIZE = 200
DEALERS = ("dealer@gavel.test", "dealer2@gavel.test", "dealer3@gavel.test")
SELLERS = ("seller@gavel.test", "seller2@gavel.test")

# make, model, fuel, transmission, body, price new-ish (2024, 20,000 km, grade A) in euros
MODELS = [
    ("Volkswagen", "Golf", "petrol", "manual", "hatchback", 24_000),
    ("Volkswagen", "Passat", "diesel", "automatic", "estate", 31_000),
    ("BMW", "320d", "diesel", "automatic", "saloon", 36_000),
    ("Ford", "Focus", "petrol", "manual", "hatchback", 19_500),
    ("Opel", "Astra", "petrol", "manual", "hatchback", 18_500),
    ("Škoda", "Octavia", "diesel", "manual", "estate", 25_000),
    ("Toyota", "Yaris", "hybrid", "automatic", "hatchback", 17_500),
]
# Findings that lower the grade, and a line the reports pass as OK that a dealer may later dispute.
MINOR_ITEMS = ["paint.stone_chips", "brakes.discs_rear", "interior.steering_wheel", "glass_lights.windscreen",
               "engine.oil_leaks", "suspension_steering.bushes_front"]
DISPUTED_ITEM = "transmission.gearbox_noise"
# What a dealer's collection check finds that no report mentions: the air conditioning's compressor.
ADJUSTED_ITEM = "electrics.air_con"


def _history_vin(number: int) -> str:
    return f"{VIN_PREFIX}{number:010d}"


_JPEG: bytes | None = None


def _photo(number: int) -> SimpleUploadedFile:
    """A small real JPEG (the history's photos are not looked at closely; the showcase cars have large ones)."""
    global _JPEG
    if _JPEG is None:
        buffer = io.BytesIO()
        Image.new("RGB", (320, 240), (90, 100, 120)).save(buffer, format="JPEG", quality=70)
        _JPEG = buffer.getvalue()
    return SimpleUploadedFile(f"history-{number}.jpg", _JPEG, content_type="image/jpeg")


def _plan(rng: random.Random, number: int, total: int, today) -> dict:
    make, model, fuel, gearbox, body, new_price = MODELS[number % len(MODELS)]
    year = rng.randint(2013, 2023)
    age = today.year - year
    km = max(5_000, int(age * rng.randint(9_000, 19_000)) // 1_000 * 1_000)
    minors = rng.choice([0, 0, 1, 1, 2, 3, 4, 6])
    # A hidden "true" value: depreciation by age and mileage, a little per finding, and noise.
    value = new_price * (0.88 ** age) * (1 - 0.012 * (km // 10_000)) * (1 - 0.025 * minors) * rng.uniform(0.93, 1.07)
    value_minor = max(1_500_00, int(value) // 50 * 50 * 100)
    outcome = "no_bids" if number % 10 == 3 else ("declined" if number % 17 == 5 else "sold")
    return {
        "make": make, "model": model, "fuel": fuel, "transmission": gearbox, "body_type": body, "year": year,
        "km": km, "minors": rng.sample(MINOR_ITEMS, minors), "value_minor": value_minor, "outcome": outcome,
        "days_ago": 362 - (number * 355) // total, "hour": rng.randint(9, 19), "pay_hours": rng.randint(2, 40),
        "buyer": DEALERS[rng.choices([0, 1, 2], weights=[5, 4, 3])[0]],
        "underbidder": DEALERS[rng.randrange(3)], "seller": SELLERS[number % 2],
    }


def _listing(plan: dict, number: int, *, admin: User, inspector: User) -> Listing:
    seller = User.objects.get(email__iexact=plan["seller"])
    reserve = plan["value_minor"] * 92 // 100 // 100_00 * 100_00 or 1_000_00
    listing = listing_services.listing_create(
        seller=seller, vin=_history_vin(number), registration_plate=f"B-HX {number % 10000}", make=plan["make"],
        model=plan["model"], first_registration_year=plan["year"], mileage_km=plan["km"], fuel=plan["fuel"],
        transmission=plan["transmission"], body_type=plan["body_type"], colour="Grey", previous_owners=1,
        service_history=True, postcode="10115", city="Berlin", reserve_minor=reserve)
    listing_services.listing_photos_add(listing=listing, actor=seller, uploads=[_photo(number)])
    inspection_services.listing_submit_for_inspection(listing=listing, actor=seller)
    inspection = inspection_services.inspection_request_for(listing=listing)
    inspection_services.inspection_assign(inspection=inspection, inspector=inspector, actor=admin)
    inspection_services.inspection_schedule(inspection=inspection, actor=inspector,
                                            scheduled_at=timezone.now() + timedelta(hours=2),
                                            place="10115 Berlin, at the seller's home")
    findings = {key: (Status.MINOR, "Wear for the age.") for key in plan["minors"]}
    inspection_services.inspection_report_save(
        inspection=inspection, actor=inspector, items=_answers(findings),
        facts={"odometer_km": plan["km"] + 40, "vin_on_car": listing.vin, "accident": False, "flood": False,
               "fire": False})
    inspection_services.inspection_photo_add(inspection=inspection, actor=inspector, target="odometer",
                                             upload=_photo(number))
    inspection_services.inspection_publish(inspection=inspection, actor=inspector)
    inspection_services.inspection_listing_approve(inspection=inspection, actor=admin, reason="Demo history.")
    listing.refresh_from_db()
    return listing


def _bid(auction: Auction, email: str, amount_minor: int) -> None:
    dealer = User.objects.get(email__iexact=email)
    auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=amount_minor)


def _auction(plan: dict, listing: Listing, *, admin: User) -> Auction:
    now = timezone.now()
    value = plan["value_minor"]
    start = max(500_00, value * 70 // 100 // 100_00 * 100_00)
    auction = auction_services.auction_schedule(listing=listing, actor=admin, starts_at=now, duration_minutes=20,
                                                starting_price_minor=start)
    if plan["outcome"] != "no_bids":
        assert listing.reserve_minor is not None  # every demo listing is built with a reserve (_listing)
        top = value if plan["outcome"] == "sold" else listing.reserve_minor * 90 // 100
        top = max(start + 200_00, top // 100_00 * 100_00)
        underbidder = plan["underbidder"] if plan["underbidder"] != plan["buyer"] else DEALERS[
            (DEALERS.index(plan["buyer"]) + 1) % 3]
        _bid(auction, underbidder, start)
        _bid(auction, plan["buyer"], top)
    # Demo only: the auction ran earlier; close it as the scheduler would.
    Auction.objects.filter(pk=auction.pk).update(starts_at=now - timedelta(minutes=40),
                                                 ends_at=now - timedelta(minutes=20))
    payment_services.auction_close_and_settle(auction_id=auction.pk)
    auction.refresh_from_db()
    if auction.outcome == Auction.Outcome.AWAITING_SELLER:
        seller = listing.seller
        payment_services.auction_decision_settle(auction_id=auction.pk, seller=seller,
                                                 accept=plan["outcome"] == "sold")
        auction.refresh_from_db()
    return auction


def _settle(plan: dict, auction: Auction, *, admin: User, late_days: int, unpaid: bool,
            dispute: str | None, adjusted: bool = False) -> Sale | None:
    sale, _ = payment_services.sale_create_for_auction(auction=auction)
    if sale is None:
        return None
    now = timezone.now()
    if late_days or unpaid:
        # The deadline passes unpaid: the sweep marks the sale overdue (the hammer is moved back to match below).
        Sale.objects.filter(pk=sale.pk).update(payment_deadline=now - timedelta(days=late_days or 3))
        payment_services.sales_mark_overdue()
        sale.refresh_from_db()
    if unpaid:
        payment_services.sale_cancel_and_offer_second_chance(sale=sale, actor=admin,
                                                             reason="Not paid by the deadline.")
        return sale
    payment_services.bank_transfer_confirm(sale=sale, actor=admin, amount_minor=sale.amount_due_minor,
                                           bank_reference_text=f"HIST-{sale.pk}")
    payment_services.sale_collection_arrange(sale=sale, actor=sale.seller, proposed_at=now, place="10115 Berlin",
                                             doc_registration=True, doc_keys=True, doc_service_book=True)
    if adjusted:
        # The no-chip rules at the collection: the check, the computed adjustment requested, the seller accepts.
        collection_check_record(
            sale=sale, dealer=sale.buyer, vin_on_car=auction.listing.vin, odometer_km=plan["km"] + 40,
            vin_photos=[_photo(sale.pk)], odometer_photos=[_photo(sale.pk)],
            findings=[FindingInput(ADJUSTED_ITEM, "major", (_photo(sale.pk),))])
        request = adjustment_request_open(sale=sale, dealer=sale.buyer)
        adjustment_decide(request=request, seller=sale.seller, accept=True)
    payment_services.handover_confirm(sale=sale, actor=sale.seller)
    payment_services.handover_confirm(sale=sale, actor=sale.buyer)
    if dispute:
        opened = payment_services.dispute_open(
            sale=sale, dealer=sale.buyer, reason="The gearbox whines in 2nd.",
            findings=[FindingInput(key=DISPUTED_ITEM, severity="major", photos=(_photo(sale.pk),))])
        if dispute == "upheld":
            payment_services.dispute_resolve(dispute=opened, actor=admin, outcome="computed",
                                             resolution="Gearbox bearing noise confirmed at a garage.",
                                             cause="inspection_missed")
        else:
            payment_services.dispute_resolve(dispute=opened, actor=admin, outcome="reject",
                                             resolution="No noise on a test drive with staff.")
    try:
        payment_services.payout_release(sale_id=sale.pk)
    except ApplicationError:
        pass  # refunded in full, or nothing left to pay out
    sale.refresh_from_db()
    return sale


def _age(auction: Auction, *, days: int, hour: int, extra: timedelta, deadline_with_hammer: bool) -> None:
    """DEMO ONLY: move the car's auction, bids and sale back into the past (see the module docstring). The hammer
    goes back `extra` further than what followed it: the time the dealer took to pay. An on-time sale's deadline
    keeps its distance to the hammer; a late one's was already set to have passed `late` days before the payment."""
    base = timezone.localtime(auction.closed_at)
    target = (base - timedelta(days=days)).replace(hour=hour)
    shift = base - target  # whole days, and the hour of the day the auction closed
    hammer = shift + extra

    def back(fields, by):
        return {name: F(name) - by for name in fields}

    Auction.objects.filter(pk=auction.pk).update(**back(
        ["starts_at", "ends_at", "closed_at", "decided_at", "decision_deadline", "created_at"], hammer))
    Bid.objects.filter(auction_id=auction.pk).update(**back(["created_at", "withdrawn_at"], hammer))
    SellerConsent.objects.filter(auction_id=auction.pk).update(**back(["created_at", "deadline", "decided_at"],
                                                                      hammer))
    sales = Sale.objects.filter(auction_id=auction.pk)
    with_hammer = ["created_at", "payment_deadline"] if deadline_with_hammer else ["created_at"]
    sales.update(**back(with_hammer, hammer))
    sales.update(**back([*(["payment_deadline"] if not deadline_with_hammer else []), "paid_at", "overdue_at",
                         "cancelled_at", "collection_deadline", "collection_overdue_at", "collection_proposed_at",
                         "seller_confirmed_at", "buyer_confirmed_at", "handed_over_at", "paid_out_at",
                         "completed_at"], shift))
    Payment.objects.filter(sale__auction_id=auction.pk).update(**back(["created_at", "confirmed_at"], shift))
    Dispute.objects.filter(sale__auction_id=auction.pk).update(**back(["created_at", "resolved_at"], shift))
    CollectionCheck.objects.filter(sale__auction_id=auction.pk).update(**back(["recorded_at"], shift))
    AdjustmentRequest.objects.filter(sale__auction_id=auction.pk).update(
        **back(["created_at", "deadline", "decided_at"], shift))


def demo_history_ensure(*, size: int = HISTORY_SIZE) -> int:
    """Build the history once (keyed by its VINs); returns how many closed auctions it holds."""
    existing = Auction.objects.filter(listing__vin__startswith=VIN_PREFIX, status=Auction.Status.CLOSED).count()
    if existing:
        return existing
    checklist_load()
    admin = User.objects.get(email__iexact="admin@gavel.test")
    inspector = User.objects.get(email__iexact="inspector@gavel.test")
    rng = random.Random(16)
    today = timezone.localdate()
    plans = [_plan(rng, number, size, today) for number in range(size)]
    # The record's shape: dealer3 pays late now and then and once not at all; a few disputes each way.
    sold = [n for n, plan in enumerate(plans) if plan["outcome"] == "sold"]
    late = {n: rng.choice([1, 2, 4]) for n in rng.sample(sold, len(sold) * 6 // 100)}
    payers3 = [n for n in sold if plans[n]["buyer"] == DEALERS[2] and n not in late]
    unpaid = set(rng.sample(payers3, min(2, len(payers3) // 10)))
    calm = [n for n in sold if n not in late and n not in unpaid]
    disputes = dict(zip(rng.sample(calm, min(6, len(calm) // 10 * 2)), ["upheld", "rejected"] * 3, strict=False))
    adjusted = set(rng.sample([n for n in calm if n not in disputes], min(4, len(calm) // 12)))
    for number, plan in enumerate(plans):
        with transaction.atomic():
            listing = _listing(plan, number, admin=admin, inspector=inspector)
            auction = _auction(plan, listing, admin=admin)
            late_days = late.get(number, 0)
            if auction.outcome == Auction.Outcome.SOLD:
                _settle(plan, auction, admin=admin, late_days=late_days, unpaid=number in unpaid,
                        dispute=disputes.get(number), adjusted=number in adjusted)
            overdue = bool(late_days or number in unpaid)
            extra = timedelta(days=(late_days or 3) + 2) if overdue else timedelta(hours=plan["pay_hours"])
            _age(auction, days=plan["days_ago"], hour=plan["hour"], extra=extra, deadline_with_hammer=not overdue)
    return len(plans)
