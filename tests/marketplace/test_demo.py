"""`seed_demo` (the data `make run` loads) across the apps: built once for this module, since its 40-odd generated
1600×1200 photos and their derivatives are the slow part; every test here reads the same build."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from accounts.demo import DEMO_USERS
from accounts.models import User
from auctions import demo as auctions_demo
from auctions.demo import DEMO_AUCTIONS
from auctions.models import Auction
from core.management.commands.runstack import demo_logins_from_output
from insights.demo import DEALERS, VIN_PREFIX
from inspections import demo as inspections_demo
from marketplace import demo as marketplace_demo
from marketplace.demo import DEMO_LISTINGS
from marketplace.models import Listing, ListingPhoto
from marketplace.validators import validate_vin
from payments.models import LedgerEntry, Sale

# The history `make run` loads holds insights.demo.HISTORY_SIZE closed auctions, ~1.5 s each through the real
# services on a busy machine; the test builds a smaller one with the same code (tests/insights/test_demo_history.py
# reads it).
HISTORY = 40

# One worker builds the demo and runs both tests (pytest-xdist, --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


@pytest.fixture(scope="module")
def _photos_drawn_once():
    """Each demo photo (a 1600×1200 JPEG drawn with Pillow, ~0.1 s) drawn once for the module: the builds after
    the first (the reset's, a start after a day off) upload the same bytes again, as new files."""
    draw = marketplace_demo.demo_photo
    drawn: dict[tuple, tuple[str, bytes, str]] = {}

    def demo_photo(*, title: str, colour: tuple[int, int, int], number: int) -> SimpleUploadedFile:
        key = (title, tuple(colour), number)
        if key not in drawn:
            photo = draw(title=title, colour=colour, number=number)
            drawn[key] = (photo.name, photo.read(), photo.content_type)
        name, content, content_type = drawn[key]
        return SimpleUploadedFile(name, content, content_type=content_type)

    with pytest.MonkeyPatch.context() as patch:
        for module in (marketplace_demo, inspections_demo, auctions_demo):
            patch.setattr(module, "demo_photo", demo_photo)
        yield drawn


@pytest.fixture(scope="module")
def _demo_build(_photos_drawn_once, django_db_setup, django_db_blocker, tmp_path_factory):
    """seed_demo twice (it must be idempotent), in a transaction that stays open for the module and is rolled back
    after it: each test runs in a savepoint inside it, so the database is as empty as ever for the other tests."""
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", history=HISTORY, stdout=io.StringIO())
        call_command("seed_demo", history=HISTORY, stdout=io.StringIO())  # idempotent
        yield media
        transaction.set_rollback(True)
    # `seed_demo --reset` (below) made content types anew, which this rollback takes back: the process' cache of
    # them would hand later tests ids that no longer exist.
    ContentType.objects.clear_cache()


@pytest.fixture
def demo(_demo_build, settings):
    """The demo, built (twice) for this module; its photos are in the build's media folder."""
    settings.MEDIA_ROOT = _demo_build
    yield
    ContentType.objects.clear_cache()  # the test's savepoint, rolled back, may take content types a reset made


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
    photo = ListingPhoto.objects.exclude(listing__vin__startswith=VIN_PREFIX).first()
    with photo.large.open() as handle:
        image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "JPEG" and max(image.size) == 1600


def test_seed_demo_makes_a_paid_out_sale_and_one_awaiting_payment_once(demo):
    statuses = sorted(Sale.objects.exclude(listing__vin__startswith=VIN_PREFIX).values_list("status", flat=True))
    assert statuses == ["awaiting_payment", "paid_out"]
    paid_out = Sale.objects.exclude(listing__vin__startswith=VIN_PREFIX).get(status="paid_out")
    assert paid_out.payout_reference and paid_out.buyer.email == "dealer@gavel.test"
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert out.getvalue().strip() == "OK"


def test_seed_demo_has_a_year_of_history_behind_the_guide_the_records_and_the_market(demo):
    from django.utils import timezone

    from auctions.models import Auction
    from insights.selectors import dealer_records, market_data

    history = Auction.objects.filter(listing__vin__startswith=VIN_PREFIX)
    assert history.filter(status="closed").count() == HISTORY
    assert {"sold", "no_bids", "unsold"} <= set(history.values_list("outcome", flat=True))
    oldest, newest = (timezone.now() - t for t in (history.earliest("closed_at").closed_at,
                                                   history.latest("closed_at").closed_at))
    assert oldest.days >= 330 and 1 <= newest.days < 30
    sales = Sale.objects.filter(listing__vin__startswith=VIN_PREFIX)
    assert sales.filter(paid_at__gt=F("payment_deadline")).exists()  # late payers
    assert sales.filter(paid_at__lte=F("payment_deadline"), paid_out_at__isnull=False).count() >= 20
    assert {"partial", "reject"} <= set(sales.values_list("disputes__outcome", flat=True))
    dealers = dict(User.objects.filter(email__in=DEALERS).values_list("email", "pk"))
    records = dealer_records(dealer_ids=dealers.values())
    assert sum(record.sales_won for record in records.values()) >= sales.count() - 2
    # At a few collections the dealer's check found an undisclosed defect; the seller accepted the adjustment.
    assert sum(record.adjustments_accepted.count for record in records.values()) >= 2
    assert sales.filter(adjustment_request__status="accepted", adjustment_minor__gt=0).count() >= 2
    assert market_data().sales_total >= sales.count()
    out = io.StringIO()
    call_command("price_backtest", stdout=out)
    sold = Auction.objects.filter(status="closed", outcome="sold").count()
    assert "Price guide backtest (guidance-v1)" in out.getvalue() and f", {sold} sales" in out.getvalue()
    assert re.search(r"median absolute % error:\s+(\d+\.\d%|—)", out.getvalue())


def test_every_start_gives_the_demos_live_and_scheduled_auctions_their_times_again_from_now(demo):
    # Given Gavel was off for a day: the demo's live auctions ended yesterday (nobody closed them) and the
    # scheduled one should have started.
    demo_vins = [vin for _email, vin, _fields, _colour, _plan in DEMO_AUCTIONS]
    yesterday = timezone.now() - timedelta(days=1)
    Auction.objects.filter(listing__vin__in=demo_vins, status=Auction.Status.LIVE).update(
        starts_at=yesterday - timedelta(minutes=20), ends_at=yesterday)
    Auction.objects.filter(listing__vin__in=demo_vins, status=Auction.Status.SCHEDULED).update(
        starts_at=yesterday, ends_at=yesterday + timedelta(minutes=20))

    output = io.StringIO()
    call_command("seed_demo", history=HISTORY, stdout=output)

    now = timezone.now()
    # make run prints the logins seed_demo lists, once, with the address.
    logins = demo_logins_from_output(output.getvalue())
    assert len(logins) == len(DEMO_USERS) and all(spec["email"] in " ".join(logins) for spec in DEMO_USERS)
    live = Auction.objects.filter(listing__vin__in=demo_vins, status=Auction.Status.LIVE)
    assert live.count() == 3 and all(now + timedelta(minutes=8) < a.ends_at < now + timedelta(minutes=20)
                                     for a in live)
    scheduled = Auction.objects.get(listing__vin__in=demo_vins, status=Auction.Status.SCHEDULED)
    assert scheduled.starts_at > now + timedelta(hours=2)
    assert scheduled.ends_at - scheduled.starts_at == timedelta(minutes=20)
    # The closed ones keep the past they had.
    assert all(a.ends_at < now for a in Auction.objects.filter(listing__vin__in=demo_vins,
                                                               status=Auction.Status.CLOSED))


def test_seed_demo_reset_empties_the_database_and_builds_the_demo_anew_without_reusing_ids(demo):
    stranger = User.objects.create_user(email="stranger@example.com", password="a-long-password-1")
    old_admin_id = User.objects.get(email="admin@gavel.test").pk
    # This module's demo lives in one open transaction (see _demo_build), whose deferred constraint checks would
    # make PostgreSQL refuse a TRUNCATE; `seed_demo --reset` itself runs in a fresh connection, with none pending.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    call_command("seed_demo", history=0, reset=True, verbosity=0)

    assert not User.objects.filter(pk=stranger.pk).exists()
    admin = User.objects.get(email="admin@gavel.test")
    assert admin.pk > stranger.pk > old_admin_id  # ids go on: nothing keyed by an old id meets a new row
    assert Auction.objects.filter(status=Auction.Status.LIVE).count() == 3
    assert LedgerEntry.objects.exists()
