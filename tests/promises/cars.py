"""Cars taken through the real stack for the promise tests: listed through the seller API, sold through a real
auction close (the sale opens on commit), paid through the simulated card provider."""

from django.urls import reverse

from marketplace.models import Listing
from tests.marketplace.images import jpeg_bytes, upload

CAR = {"registration_plate": "B-PR 505", "make": "Volkswagen", "model": "Golf", "variant": "1.5 TSI",
       "first_registration_year": 2018, "mileage_km": 61_234, "fuel": "petrol", "transmission": "manual",
       "body_type": "hatchback", "colour": "Blue", "previous_owners": 1, "service_history": True,
       "postcode": "10115", "city": "Berlin", "reserve_minor": 11_000_00}


def api_list_car(client, vin: str, **fields) -> dict:
    """A complete draft with one photo, made through the seller API; returns the listing's JSON."""
    response = client.post(reverse("api:listing-list"), {**CAR, "vin": vin, **fields}, format="json")
    assert response.status_code == 201, response.content
    listing = response.json()
    photo = client.post(reverse("api:listing-photos", args=[listing["id"]]),
                        {"photo": upload(jpeg_bytes(640, 480))}, format="multipart")
    assert photo.status_code == 201, photo.content
    return listing


def api_submit(client, listing_id: int):
    return client.post(reverse("api:listing-submit", args=[listing_id]), format="json")


def statuses_of(vin: str) -> list[str]:
    return sorted(Listing.objects.filter(vin=vin).values_list("status", flat=True))
