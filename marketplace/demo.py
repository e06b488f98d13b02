"""Demo listings for `make run`, in several states, with generated photos. Idempotent (keyed by VIN)."""

import io
import unicodedata
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User
from inspections import services as inspection_services
from marketplace import services
from marketplace.models import Listing

# (seller email, state, VIN, fields, photo colours)
DEMO_LISTINGS: list[tuple[str, str, str, dict[str, Any], list[tuple[int, int, int]]]] = [
    ("seller@gavel.test", "draft", "WVWZZZ1KZAW000101", {
        "registration_plate": "B-GV 1101", "make": "Volkswagen", "model": "Golf", "variant": "1.4 TSI Comfortline",
        "first_registration_year": 2016, "mileage_km": 98_500, "fuel": "petrol", "transmission": "manual",
        "body_type": "hatchback", "colour": "Blue", "previous_owners": 1, "postcode": "10115", "city": "Berlin",
    }, [(22, 78, 140), (180, 200, 220)]),
    ("seller@gavel.test", "submitted", "WBA8E9C55GK000102", {
        "registration_plate": "B-GV 1102", "make": "BMW", "model": "320d", "variant": "Touring Sport Line",
        "first_registration_year": 2018, "mileage_km": 121_000, "fuel": "diesel", "transmission": "automatic",
        "body_type": "estate", "colour": "Black", "previous_owners": 2, "service_history": True,
        "postcode": "10245", "city": "Berlin", "description": "Full BMW service history, new brakes 2025.",
        "reserve_minor": 17_500_00, "asking_price_minor": 19_900_00,
    }, [(30, 30, 36), (120, 130, 140), (200, 60, 40)]),
    ("seller@gavel.test", "withdrawn", "VF1RFB00X56000103", {
        "registration_plate": "B-GV 1103", "make": "Renault", "model": "Clio", "variant": "TCe 90",
        "first_registration_year": 2019, "mileage_km": 45_300, "fuel": "petrol", "transmission": "manual",
        "body_type": "hatchback", "colour": "Red", "previous_owners": 1, "service_history": True,
        "postcode": "12043", "city": "Berlin", "reserve_minor": 9_000_00,
    }, [(190, 30, 40)]),
    ("seller@gavel.test", "rejected", "TMBJJ7NE8J0000104", {
        "registration_plate": "B-GV 1104", "make": "Škoda", "model": "Octavia", "variant": "Combi 2.0 TDI",
        "first_registration_year": 2017, "mileage_km": 187_000, "fuel": "diesel", "transmission": "manual",
        "body_type": "estate", "colour": "Silver", "previous_owners": 3, "service_history": False,
        "postcode": "14467", "city": "Potsdam", "reserve_minor": 8_500_00,
    }, [(170, 175, 180), (60, 70, 80)]),
    ("seller2@gavel.test", "submitted", "WAUZZZF49HA000201", {
        "registration_plate": "M-SO 201", "make": "Audi", "model": "A4", "variant": "Avant 2.0 TFSI",
        "first_registration_year": 2017, "mileage_km": 88_000, "fuel": "petrol", "transmission": "automatic",
        "body_type": "estate", "colour": "Grey", "previous_owners": 1, "service_history": True,
        "postcode": "80331", "city": "München", "reserve_minor": 18_000_00,
    }, [(90, 95, 100), (220, 220, 215)]),
    ("seller2@gavel.test", "submitted", "1HGCM82633A004352", {
        "registration_plate": "M-SO 202", "make": "Honda", "model": "Accord", "variant": "2.4 EX",
        "first_registration_year": 2003, "mileage_km": 210_000, "fuel": "petrol", "transmission": "automatic",
        "body_type": "saloon", "colour": "Green", "previous_owners": 4, "service_history": False,
        "postcode": "81667", "city": "München", "reserve_minor": 2_500_00,
    }, [(40, 110, 70)]),
    ("seller2@gavel.test", "submitted", "ZFA31200000000203", {
        "registration_plate": "M-SO 203", "make": "Fiat", "model": "500", "variant": "1.2 Lounge",
        "first_registration_year": 2015, "mileage_km": 76_000, "fuel": "petrol", "transmission": "manual",
        "body_type": "hatchback", "colour": "White", "previous_owners": 2, "service_history": True,
        "postcode": "80802", "city": "München", "reserve_minor": 6_500_00, "asking_price_minor": 7_200_00,
    }, [(240, 240, 235), (200, 40, 50)]),
]


def demo_photo(*, title: str, colour: tuple[int, int, int], number: int) -> SimpleUploadedFile:
    """A 1600×1200 JPEG: a diagonal gradient from `colour` with the car's name drawn on it."""
    width, height = 1600, 1200
    gradient = Image.linear_gradient("L").resize((width, height)).rotate(-25, expand=False, fillcolor=128)
    base = Image.new("RGB", (width, height), colour)
    light = Image.new("RGB", (width, height), tuple(min(255, c + 90) for c in colour))
    image = Image.composite(light, base, gradient)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=96)
    small = ImageFont.load_default(size=48)
    draw.rounded_rectangle((80, 860, 1520, 1120), radius=28, fill=(255, 255, 255))
    # Pillow's built-in font has no accents: "Škoda" is drawn as "Skoda".
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    draw.text((120, 890), plain, fill=(19, 33, 46), font=font)
    draw.text((120, 1010), f"Photo {number}", fill=(74, 91, 107), font=small)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile(f"demo-{number}.jpg", out.getvalue(), content_type="image/jpeg")


def demo_listings_ensure() -> list[Listing]:
    admin = User.objects.filter(email__iexact="admin@gavel.test").first()
    listings = []
    for email, state, vin, fields, colours in DEMO_LISTINGS:
        seller = User.objects.get(email__iexact=email)
        listing = Listing.objects.filter(vin=vin, seller=seller).first()
        if listing is None:
            listing = services.listing_create(seller=seller, vin=vin, **fields)
            title = f"{fields['make']} {fields['model']}"
            uploads = [demo_photo(title=title, colour=colour, number=n) for n, colour in enumerate(colours, 1)]
            services.listing_photos_add(listing=listing, actor=seller, uploads=uploads)
            if state in ("submitted", "withdrawn", "rejected"):
                inspection_services.listing_submit_for_inspection(listing=listing, actor=seller)
            if state == "withdrawn":
                inspection_services.listing_withdraw_and_cancel_inspection(listing=listing, actor=seller,
                                                                          reason="Sold it privately.")
            if state == "rejected":
                assert admin is not None  # accounts' demo people come first
                inspection_services.listing_reject_and_cancel_inspection(
                    listing=listing, actor=admin,
                    reason="The photos do not show the car's mileage on the dashboard; "
                           "please list it again with a photo of the instrument cluster.")
        listings.append(listing)
    return listings
