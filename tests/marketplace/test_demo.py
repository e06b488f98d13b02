import io

import pytest
from django.core.management import call_command
from PIL import Image

from marketplace.demo import DEMO_LISTINGS
from marketplace.models import Listing, ListingPhoto
from marketplace.validators import validate_vin

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_listings_in_several_states_with_real_photos_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent

    mine = Listing.objects.filter(seller__email="seller@gavel.test")
    assert {"draft", "rejected", "withdrawn"} <= set(mine.values_list("status", flat=True))
    # Submitted demo cars may have moved on: the inspection and auction demos take them further.
    beyond_draft = set(Listing.Status.values) - {"draft", "rejected", "withdrawn"}
    for _email, state, vin, _fields, _colours in DEMO_LISTINGS:
        listing = Listing.objects.get(vin=vin)
        assert listing.status == state or (state == "submitted" and listing.status in beyond_draft)
    assert mine.get(status="rejected").rejection_reason
    for listing in Listing.objects.all():
        validate_vin(listing.vin)
        assert listing.photos.filter(is_cover=True).count() == 1
    photo = ListingPhoto.objects.first()
    with photo.large.open() as handle:
        image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "JPEG" and max(image.size) == 1600
