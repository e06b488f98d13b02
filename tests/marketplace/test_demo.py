import io

import pytest
from django.core.management import call_command
from PIL import Image

from marketplace.models import Listing, ListingPhoto
from marketplace.validators import validate_vin

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_listings_in_several_states_with_real_photos_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent

    # The auctions and payments demos add cars of their own (in auction, sold); these are the marketplace's.
    mine = Listing.objects.filter(seller__email="seller@gavel.test", auctions__isnull=True)
    assert sorted(mine.values_list("status", flat=True)) == ["draft", "rejected", "submitted", "withdrawn"]
    assert Listing.objects.filter(seller__email="seller2@gavel.test", status="submitted",
                                  auctions__isnull=True).count() == 3
    assert mine.get(status="rejected").rejection_reason
    for listing in Listing.objects.all():
        validate_vin(listing.vin)
        assert listing.photos.filter(is_cover=True).count() == 1
    photo = ListingPhoto.objects.first()
    with photo.large.open() as handle:
        image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "JPEG" and max(image.size) == 1600
