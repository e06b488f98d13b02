from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.media import url_for
from core.models import AuditLog
from core.selectors import record
from marketplace.models import Listing, ListingPhoto


def _with_photos(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("seller").prefetch_related(
        Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id"))
    )


def listing_list_visible_to(*, user: User) -> QuerySet:
    """Listings whose full (owner) view `user` may see: their own, or all of them for staff.

    Dealers and inspectors see cars through the auction and inspection endpoints, never here."""
    if not getattr(user, "is_authenticated", False):
        return Listing.objects.none()
    queryset = Listing.objects.all() if user.is_staff_member else Listing.objects.filter(seller=user)
    return _with_photos(queryset)


def listing_get_visible_to(*, user: User, listing_id) -> Listing | None:
    try:
        listing_id = int(listing_id)
    except (TypeError, ValueError):
        return None
    return listing_list_visible_to(user=user).filter(pk=listing_id).first()


def listing_list_for_seller(*, seller: User) -> list[Listing]:
    """The seller's cars, newest first, each with its `cover` ready for a page. Where each car stands (it reads the
    auction and the sale too) is payments.selectors.seller_car_list."""
    listings = list(_with_photos(Listing.objects.filter(seller=seller)))
    for listing in listings:
        listing.cover = listing_cover(listing=listing)
    return listings


def listing_cover(*, listing: Listing) -> ListingPhoto | None:
    photos = list(listing.photos.all())  # uses the prefetch when there is one
    return next((photo for photo in photos if photo.is_cover), photos[0] if photos else None)


def listing_missing_for_submit(*, listing: Listing) -> list[str]:
    """Human names of what a draft still lacks before it can be submitted."""
    labels = {"vin": _("VIN"), "registration_plate": _("registration plate"), "make": _("make"),
              "model": _("model"), "first_registration_year": _("year of first registration"),
              "mileage_km": _("mileage"), "fuel": _("fuel"), "transmission": _("transmission"),
              "body_type": _("body type"), "colour": _("colour"), "previous_owners": _("number of previous owners"),
              "service_history": _("service history"), "postcode": _("postcode"), "city": _("city"),
              "reserve_minor": _("reserve price")}
    missing = [labels[name] for name in Listing.REQUIRED_TO_SUBMIT if getattr(listing, name) in (None, "")]
    if not listing.photos.all():
        missing.append(_("at least one photo"))
    return missing


def listing_status_history(*, listing: Listing) -> QuerySet:
    """The listing's creation and status changes, oldest first, from the audit trail."""
    return AuditLog.objects.for_object(listing).filter(
        action__in=[AuditLog.Action.CREATE, AuditLog.Action.STATUS_CHANGE]
    ).select_related("actor")


def listing_photo_get(*, listing: Listing, photo_id) -> ListingPhoto | None:
    try:
        photo_id = int(photo_id)
    except (TypeError, ValueError):
        return None
    return next((photo for photo in listing.photos.all() if photo.pk == photo_id), None)


LISTING_EXPORT_FIELDS = ("id", "status", "vin", "registration_plate", "make", "model", "variant",
                         "first_registration_year", "mileage_km", "fuel", "transmission", "body_type", "colour",
                         "previous_owners", "service_history", "postcode", "city", "description", "reserve_minor",
                         "asking_price_minor", "rejection_reason", "created_at", "submitted_at", "status_changed_at")


def _photo_urls(photo: ListingPhoto) -> dict:
    return {variant: url_for(getattr(photo, variant)) for variant in ("original", "large", "medium", "thumb")
            if getattr(photo, variant) and getattr(photo, variant).name}


def personal_data(*, user: User) -> dict:
    """The person's cars (privacy.selectors.personal_data_export): every listing with its photos' addresses."""
    listings = _with_photos(Listing.objects.filter(seller=user).order_by("created_at", "id"))
    return {"listings": [{**record(listing, LISTING_EXPORT_FIELDS),
                          "photos": [{**record(photo, ("id", "position", "is_cover", "original_filename",
                                                       "created_at")), "urls": _photo_urls(photo)}
                                     for photo in listing.photos.all()],
                          "documents": [{**record(document, ("id", "kind", "status", "status_reason", "content_type",
                                                             "size_bytes", "original_filename", "uploaded_at")),
                                         "url": url_for(document.file)}
                                        for document in listing.documents.all()]}
                         for listing in listings]}
