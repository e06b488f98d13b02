"""core.media's resolver for a sale's evidence: dispute and collection-check photos, never public.

They are seen by whoever sees the sale (its buyer and the buyer's organisation, its seller, staff)."""

from accounts.organisations import dealer_acting_for
from core.media import MediaAccess
from marketplace.images import photo_listing_id
from marketplace.media import photo_name_matches
from payments.models import CollectionPhoto, DisputePhoto
from payments.selectors import sale_get_visible_to


def _sale_viewer(sale_id: int):
    def may_view(user) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        return sale_get_visible_to(user=dealer_acting_for(user), sale_id=sale_id) is not None

    return may_view


def sale_media_access(name: str) -> MediaAccess | None:
    listing_id = photo_listing_id(name)
    if listing_id is None:
        return None
    matches = photo_name_matches(name)
    dispute_photo = (DisputePhoto.objects.select_related("dispute")
                     .filter(dispute__sale__listing_id=listing_id).filter(matches).first())
    if dispute_photo is not None:
        return MediaAccess(public=False, may_view=_sale_viewer(dispute_photo.dispute.sale_id))
    collection_photo = (CollectionPhoto.objects.select_related("collection_check")
                        .filter(collection_check__sale__listing_id=listing_id).filter(matches).first())
    if collection_photo is not None:
        return MediaAccess(public=False, may_view=_sale_viewer(collection_photo.collection_check.sale_id))
    return None
