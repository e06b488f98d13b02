import pytest
from django.db import connection

from auctions.models import Auction
from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def auction(db):
    """A live auction: starting price €10,000, reserve €12,000 (from the listing), 20 minutes."""
    return make_auction()


@pytest.fixture
def dealers(db):
    """dealers(n) -> n verified dealers."""
    return lambda n: [DealerFactory(verified=True) for _ in range(n)]


def move_end(auction: Auction, *, seconds_from_now: float) -> None:
    """Put the auction's end `seconds_from_now` from the database's clock (negative: in the past)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE auctions_auction SET starts_at = LEAST(starts_at, clock_timestamp() - interval "
                       "'1 hour'), ends_at = clock_timestamp() + make_interval(secs => %s) WHERE id = %s",
                       [seconds_from_now, auction.pk])
    auction.refresh_from_db()
