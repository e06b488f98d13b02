import factory
from django.utils import timezone

from auctions import services
from auctions.models import Auction
from marketplace.models import Listing
from tests.accounts.factories import StaffFactory
from tests.marketplace.factories import ListingFactory


class ApprovedListingFactory(ListingFactory):
    """A complete listing already through inspection and approval (no photos)."""

    status = Listing.Status.APPROVED
    # Its own VIN and plate series: one open listing per VIN, whichever factory made the other.
    vin = factory.Sequence(lambda n: f"WVWZZZ1KZBW{n:06d}")
    registration_plate = factory.Sequence(lambda n: f"B-AU {n % 10000}")


def make_auction(*, listing=None, starting_price_minor=10_000_00, duration_minutes=20, starts_at=None,
                 staff=None, **listing_fields) -> Auction:
    """An auction scheduled through the service; live at once unless `starts_at` is in the future."""
    listing = listing or ApprovedListingFactory(**listing_fields)
    return services.auction_schedule(listing=listing, actor=staff or StaffFactory(),
                                     starts_at=starts_at or timezone.now(), duration_minutes=duration_minutes,
                                     starting_price_minor=starting_price_minor)
