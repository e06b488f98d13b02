"""core.media's resolver for marketplace's files: listing photos and registration certificates."""

import re

from django.db.models import Q

from core.media import MediaAccess
from marketplace.images import photo_listing_id
from marketplace.models import Listing, ListingDocument, ListingPhoto

REGISTRATION_NAME = re.compile(r"^uploads/registrations/(?P<listing_id>\d+)/[0-9a-f]{32}\.(pdf|jpg|png)$")


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


def listing_document_media_access(name: str) -> MediaAccess | None:
    """A registration certificate: the seller and staff only, whatever the listing's state."""
    match = REGISTRATION_NAME.match(name)
    if match is None:
        return None
    document = (ListingDocument.objects.select_related("listing")
                .filter(listing_id=int(match["listing_id"]), file=name).first())
    if document is None:
        return None
    listing = document.listing
    return MediaAccess(public=False, may_view=lambda user: listing_owner_or_staff(user, listing),
                       content_type=document.content_type)
