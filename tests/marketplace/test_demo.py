"""`seed_demo` (the data `make run` loads) across the apps: built once for this module, since its 40-odd generated
1600×1200 photos and their derivatives are the slow part; every test here reads the same build."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from PIL import Image

from marketplace.demo import DEMO_LISTINGS
from marketplace.models import Listing, ListingPhoto
from marketplace.validators import validate_vin
from payments.models import Sale

# One worker builds the demo and runs both tests (pytest-xdist, --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


@pytest.fixture(scope="module")
def _demo_build(django_db_setup, django_db_blocker, tmp_path_factory):
    """seed_demo twice (it must be idempotent), in a transaction that stays open for the module and is rolled back
    after it: each test runs in a savepoint inside it, so the database is as empty as ever for the other tests."""
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())  # idempotent
        yield media
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_build, settings):
    """The demo, built (twice) for this module; its photos are in the build's media folder."""
    settings.MEDIA_ROOT = _demo_build


def test_seed_demo_creates_listings_in_several_states_with_real_photos_once(demo):
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


def test_seed_demo_makes_a_paid_out_sale_and_one_awaiting_payment_once(demo):
    statuses = sorted(Sale.objects.values_list("status", flat=True))
    assert statuses == ["awaiting_payment", "paid_out"]
    paid_out = Sale.objects.get(status="paid_out")
    assert paid_out.payout_reference and paid_out.buyer.email == "dealer@gavel.test"
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert out.getvalue().strip() == "OK"
