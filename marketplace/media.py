"""core.media's resolver for marketplace's files: listing photos and registration certificates."""

from django.db.models import Q

from core.media import MediaAccess
from marketplace.images import photo_listing_id
from marketplace.models import Listing, ListingPhoto


def photo_name_matches(name: str) -> Q:
    return Q(original=name) | Q(thumb=name) | Q(medium=name) | Q(large=name)


def listing_owner_or_staff(user, listing: Listing) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff_member) or listing.seller_id == user.pk


def listing_media_access(name: str) -> MediaAccess | None:
    listing_id = photo_listing_id(name)
    if listing_id is None:
        return None
    photo = (ListingPhoto.objects.select_related("listing").filter(listing_id=listing_id)
             .filter(photo_name_matches(name)).first())
    if photo is None:
        return None
    listing = photo.listing
    return MediaAccess(public=listing.is_published, may_view=lambda user: listing_owner_or_staff(user, listing))
