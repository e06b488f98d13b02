import pytest

from marketplace import services
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, upload


@pytest.fixture
def listing(seller):
    """A complete draft of `seller` without photos."""
    return ListingFactory(seller=seller)


@pytest.fixture
def add_photo():
    def _add(listing, data=None, name="photo.jpg"):
        return services.listing_photo_add(listing=listing, actor=listing.seller,
                                          upload=upload(data or jpeg_bytes(640, 480), name=name))

    return _add


@pytest.fixture
def ready_listing(listing, add_photo):
    """A complete draft with one photo: ready to submit."""
    add_photo(listing)
    return listing


@pytest.fixture
def media_root(settings):
    return settings.MEDIA_ROOT
