import factory

from marketplace.models import Listing
from marketplace.validators import vin_check_digit
from tests.accounts.factories import SellerFactory
from tests.factory_typing import ModelFactory


def north_american_vin(serial: int) -> str:
    """A VIN with a correct ISO 3779 check digit (position 9)."""
    draft = f"1HGCM8263{serial:08d}"[:17]
    draft = draft[:8] + "0" + draft[9:]
    return draft[:8] + vin_check_digit(draft) + draft[9:]


class ListingFactory(ModelFactory[Listing]):
    """A complete draft (everything but photos). ListingFactory(status=...) for other states."""

    class Meta:
        model = Listing

    seller = factory.SubFactory(SellerFactory)
    status = Listing.Status.DRAFT
    vin = factory.Sequence(lambda n: f"WVWZZZ1KZAW{n:06d}")
    registration_plate = factory.Sequence(lambda n: f"B-GV {n % 10000}")
    make = "Volkswagen"
    model = "Golf"
    variant = "1.5 TSI Life"
    first_registration_year = 2018
    mileage_km = 85_000
    fuel: str = Listing.Fuel.PETROL
    transmission: str = Listing.Transmission.MANUAL
    body_type: str = Listing.BodyType.HATCHBACK
    colour = "Blue"
    previous_owners = 1
    service_history = True
    postcode = "10115"
    city = "Berlin"
    description = "Well kept, winter tyres included."
    reserve_minor = 12_000_00
    asking_price_minor = 13_500_00


class IdentityOnlyListingFactory(ListingFactory):
    """A draft saved after the wizard's first step only."""

    mileage_km = None
    fuel = ""
    transmission = ""
    body_type = ""
    colour = ""
    previous_owners = None
    service_history = None
    postcode = ""
    city = ""
    description = ""
    reserve_minor = None
    asking_price_minor = None
