import factory
from django.utils import timezone

from auctions import services
from auctions.models import Auction
from marketplace.models import Listing
from tests.accounts.factories import SellerFactory, StaffFactory


class ApprovedListingFactory(factory.django.DjangoModelFactory):
    """A complete listing already through inspection and approval (no photos)."""

    class Meta:
        model = Listing

    seller = factory.SubFactory(SellerFactory)
    status = Listing.Status.APPROVED
    vin = factory.Sequence(lambda n: f"WVWZZZ1KZBW{n:06d}")
    registration_plate = factory.Sequence(lambda n: f"B-AU {n % 10000}")
    make = "Volkswagen"
    model = "Golf"
    variant = "1.5 TSI Life"
    first_registration_year = 2018
    mileage_km = 85_000
    fuel = Listing.Fuel.PETROL
    transmission = Listing.Transmission.MANUAL
    body_type = Listing.BodyType.HATCHBACK
    colour = "Blue"
    previous_owners = 1
    service_history = True
    postcode = "10115"
    city = "Berlin"
    reserve_minor = 12_000_00


def make_auction(*, listing=None, starting_price_minor=10_000_00, duration_minutes=20, starts_at=None,
                 staff=None, **listing_fields) -> Auction:
    """An auction scheduled through the service; live at once unless `starts_at` is in the future."""
    listing = listing or ApprovedListingFactory(**listing_fields)
    return services.auction_schedule(listing=listing, actor=staff or StaffFactory(),
                                     starts_at=starts_at or timezone.now(), duration_minutes=duration_minutes,
                                     starting_price_minor=starting_price_minor)
