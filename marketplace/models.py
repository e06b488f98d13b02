from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ReviewedDocument
from core.money import Money
from core.text import name_key


class ListingQuerySet(models.QuerySet):
    """Keeps the name keys (Listing.make_key / model_key) right on the writes that bypass save()."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for listing in objs:
            listing.name_keys_set()
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        for name in ("make", "model"):
            if name in kwargs:
                if not isinstance(kwargs[name], str):
                    raise TypeError(f"Set {name} to a text (its key, {name}_key, is computed from it).")
                kwargs[f"{name}_key"] = name_key(kwargs[name])
        return super().update(**kwargs)


class Listing(models.Model):
    """A seller's car, from draft to sale. Status changes only through core.transitions.transition()."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        INSPECTION_SCHEDULED = "inspection_scheduled", _("Inspection scheduled")
        INSPECTED = "inspected", _("Inspected")
        APPROVED = "approved", _("Approved")
        IN_AUCTION = "in_auction", _("In auction")
        SOLD = "sold", _("Sold")
        UNSOLD = "unsold", _("Not sold")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Fuel(models.TextChoices):
        PETROL = "petrol", _("Petrol")
        DIESEL = "diesel", _("Diesel")
        HYBRID = "hybrid", _("Hybrid")
        PLUG_IN_HYBRID = "plug_in_hybrid", _("Plug-in hybrid")
        ELECTRIC = "electric", _("Electric")
        LPG = "lpg", _("LPG")
        CNG = "cng", _("CNG")
        OTHER = "other", _("Other")

    class Transmission(models.TextChoices):
        MANUAL = "manual", _("Manual")
        AUTOMATIC = "automatic", _("Automatic")

    class BodyType(models.TextChoices):
        HATCHBACK = "hatchback", _("Hatchback")
        SALOON = "saloon", _("Saloon")
        ESTATE = "estate", _("Estate")
        SUV = "suv", _("SUV")
        COUPE = "coupe", _("Coupé")
        CONVERTIBLE = "convertible", _("Convertible")
        MPV = "mpv", _("MPV / people carrier")
        PICKUP = "pickup", _("Pick-up")
        VAN = "van", _("Van")
        OTHER = "other", _("Other")

    S = Status
    TRANSITIONS = {
        S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
        # An inspection that is cancelled before it happens sends the car back to the queue.
        S.SUBMITTED: {S.INSPECTION_SCHEDULED, S.REJECTED, S.WITHDRAWN},
        S.INSPECTION_SCHEDULED: {S.INSPECTED, S.SUBMITTED, S.REJECTED, S.WITHDRAWN},
        S.INSPECTED: {S.APPROVED, S.REJECTED, S.WITHDRAWN},
        S.APPROVED: {S.IN_AUCTION, S.REJECTED, S.WITHDRAWN},
        # Never withdrawn while live; a cancelled auction returns the car to approved.
        S.IN_AUCTION: {S.SOLD, S.UNSOLD, S.APPROVED},
        S.UNSOLD: {S.APPROVED, S.SOLD},  # relist, or sold at a buy-now price the seller agreed to
        # A sale that falls through (the dealer never paid, no other bidder took the car) gives the car back.
        S.SOLD: {S.UNSOLD},
        S.REJECTED: set(),
        S.WITHDRAWN: set(),
    }
    del S

    # The pipeline: from submission to the auction. A listing here holds its VIN across the site, and so does a
    # sold one until the buyer's money has arrived (`sale_paid`): until then the car may come back. Drafts,
    # paid-for, unsold, withdrawn and rejected listings hold nothing (partial unique constraint below).
    PIPELINE_STATUSES = (
        Status.SUBMITTED, Status.INSPECTION_SCHEDULED, Status.INSPECTED, Status.APPROVED, Status.IN_AUCTION,
    )
    # Shown to dealers (an auction ahead, running or over): the photos are public; before that, private.
    PUBLISHED_STATUSES = (Status.APPROVED, Status.IN_AUCTION, Status.SOLD, Status.UNSOLD)
    WITHDRAWABLE_STATUSES = (
        Status.DRAFT, Status.SUBMITTED, Status.INSPECTION_SCHEDULED, Status.INSPECTED, Status.APPROVED,
    )
    # Filled in the create wizard's first step (and required by the API on create).
    IDENTITY_FIELDS = ("vin", "registration_plate", "make", "model", "variant", "first_registration_year")
    DETAIL_FIELDS = ("mileage_km", "fuel", "transmission", "body_type", "colour", "previous_owners",
                     "service_history", "postcode", "city", "description")
    PRICE_FIELDS = ("reserve_minor", "asking_price_minor")
    EDITABLE_FIELDS = IDENTITY_FIELDS + DETAIL_FIELDS + PRICE_FIELDS
    # Everything a listing needs before it can be submitted for inspection (plus one photo).
    REQUIRED_TO_SUBMIT = ("vin", "registration_plate", "make", "model", "first_registration_year", "mileage_km",
                          "fuel", "transmission", "body_type", "colour", "previous_owners", "service_history",
                          "postcode", "city", "reserve_minor")

    # Set for the seller's pages, not columns: the cover photo (marketplace.selectors.listing_list_for_seller) and
    # where the car stands (payments.selectors.seller_car_list: a payments.selectors.SellerStatus, from an app above).
    cover: "ListingPhoto | None"
    seller_status: Any

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="listings")
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT, db_index=True)

    vin = models.CharField(_("VIN"), max_length=17, db_index=True)
    registration_plate = models.CharField(max_length=16, blank=True)
    make = models.CharField(max_length=60)
    model = models.CharField(max_length=80)
    # core.text.name_key of make and model (case and spaces ignored), kept by save() and ListingQuerySet: price
    # guidance finds a car's comparables by an index lookup on them. Casefolding may lengthen a text (ß → ss).
    make_key = models.CharField(max_length=180, default="", editable=False)
    model_key = models.CharField(max_length=240, default="", editable=False)
    variant = models.CharField(max_length=120, blank=True)
    first_registration_year = models.PositiveSmallIntegerField()

    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    fuel = models.CharField(max_length=20, choices=Fuel.choices, blank=True)
    transmission = models.CharField(max_length=20, choices=Transmission.choices, blank=True)
    body_type = models.CharField(max_length=20, choices=BodyType.choices, blank=True)
    colour = models.CharField(max_length=40, blank=True)
    previous_owners = models.PositiveSmallIntegerField(null=True, blank=True)
    service_history = models.BooleanField(null=True, blank=True, help_text=_("Full service history available."))
    postcode = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True, max_length=5000)

    # Integer minor units in settings.GAVEL_CURRENCY. The reserve is private to the seller and staff.
    reserve_minor = models.BigIntegerField(null=True, blank=True)
    asking_price_minor = models.BigIntegerField(null=True, blank=True)

    sale_paid = models.BooleanField(
        default=False, help_text=_("Sold and the buyer's money has arrived: the listing no longer holds its VIN. "
                                   "Set by settlement (payments) when the sale is paid."))

    rejection_reason = models.TextField(blank=True, help_text=_("Shown to the seller."))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vin"],
                condition=(models.Q(status__in=["submitted", "inspection_scheduled", "inspected", "approved",
                                                "in_auction"])
                           | models.Q(status="sold", sale_paid=False)),
                name="marketplace_listing_one_vin_in_pipeline",
                violation_error_message=_("This car already has an open listing on Gavel."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[
                    "draft", "submitted", "inspection_scheduled", "inspected", "approved", "in_auction", "sold",
                    "unsold", "rejected", "withdrawn",
                ]),
                name="marketplace_listing_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(reserve_minor__isnull=True) | models.Q(reserve_minor__gt=0),
                                   name="marketplace_listing_reserve_positive"),
            models.CheckConstraint(
                condition=models.Q(asking_price_minor__isnull=True) | models.Q(asking_price_minor__gt=0),
                name="marketplace_listing_asking_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(mileage_km__isnull=True) | models.Q(mileage_km__lte=2_000_000),
                name="marketplace_listing_mileage_range",
            ),
            models.CheckConstraint(condition=models.Q(first_registration_year__gte=1950),
                                   name="marketplace_listing_year_from_1950"),
        ]
        indexes = [models.Index(fields=["seller", "-created_at"]),
                   # The price guide's comparables: make and model, then the registration years near the car's
                   # (insights.selectors: the widest widening step is asked of the database).
                   models.Index(fields=["make_key", "model_key", "first_registration_year"],
                                name="listing_name_keys_year")]

    def __str__(self):
        return f"{self.display_title} ({self.vin})"

    def save(self, *args, **kwargs):
        self.name_keys_set()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"make", "model"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "make_key", "model_key"}
        super().save(*args, **kwargs)

    def name_keys_set(self) -> None:
        self.make_key, self.model_key = name_key(self.make or ""), name_key(self.model or "")

    @property
    def title(self) -> str:
        """The model's full name: "Volkswagen Golf 1.5 TSI Life"."""
        return " ".join(part for part in (self.make, self.model, self.variant) if part)

    @property
    def display_title(self) -> str:
        """The car as people read it in messages, emails and notifications: "2018 Volkswagen Golf"."""
        return f"{self.first_registration_year} {self.make} {self.model}"

    @property
    def reserve(self) -> Money | None:
        return Money.of(self.reserve_minor) if self.reserve_minor is not None else None

    @property
    def asking_price(self) -> Money | None:
        return Money.of(self.asking_price_minor) if self.asking_price_minor is not None else None

    @classmethod
    def holding_vin(cls) -> models.Q:
        """The listings that hold their VIN: the same condition as the partial unique constraint."""
        return models.Q(status__in=cls.PIPELINE_STATUSES) | models.Q(status=cls.Status.SOLD, sale_paid=False)

    @property
    def holds_vin(self) -> bool:
        return self.status in self.PIPELINE_STATUSES or (self.status == self.Status.SOLD and not self.sale_paid)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def can_withdraw(self) -> bool:
        return self.status in self.WITHDRAWABLE_STATUSES

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED_STATUSES


class ListingPhoto(models.Model):
    """One photo: the re-encoded original (no EXIF) plus JPEG variants, all in default_storage."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveSmallIntegerField(default=0)
    is_cover = models.BooleanField(default=False)
    original = models.ImageField(max_length=255)
    thumb = models.ImageField(max_length=255)
    medium = models.ImageField(max_length=255)
    large = models.ImageField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveIntegerField(help_text=_("Size of the stored original."))
    original_filename = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["listing"], condition=models.Q(is_cover=True),
                                    name="marketplace_photo_one_cover_per_listing"),
        ]

    def __str__(self):
        return f"Photo {self.position + 1} of listing {self.listing_id}"

    @property
    def file_names(self) -> list[str]:
        return [f.name for f in (self.original, self.thumb, self.medium, self.large) if f and f.name]

    @property
    def media_is_public(self) -> bool:
        """core.media: a published listing's photos have plain URLs; a draft's only signed, expiring ones."""
        return self.listing.is_published


class ListingDocument(ReviewedDocument):
    """A document a seller uploads for their car: the registration certificate, reviewed by staff."""

    class Kind(models.TextChoices):
        REGISTRATION_CERTIFICATE = "registration_certificate", _("Registration certificate")

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.REGISTRATION_CERTIFICATE)

    class Meta(ReviewedDocument.Meta):
        pass

    def __str__(self):
        return f"{self.get_kind_display()} of listing {self.listing_id}"
