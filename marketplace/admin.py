from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin, reason_action
from core.models import AuditLog
from core.money import Money
from marketplace import services
from marketplace.models import Listing, ListingPhoto


def _money(amount_minor):
    return f"{Money.of(amount_minor)} ({amount_minor} minor units)" if amount_minor is not None else "—"


def _reject(*, obj, actor, reason):
    return services.listing_reject(listing=obj, actor=actor, reason=reason)


def _relist(*, obj, actor, reason):
    return services.listing_relist(listing=obj, actor=actor, reason=reason)


class ListingPhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ListingPhoto
    extra = 0
    fields = ["preview", "position", "is_cover", "width", "height", "content_type", "size_bytes", "created_at"]
    readonly_fields = fields
    ordering = ["position", "id"]

    @admin.display(description="Photo")
    def preview(self, photo):
        return format_html('<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" width="120"></a>',
                           photo.large.url, photo.thumb.url)


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sellers own their data; staff moderate with the actions (which call services and are audited)."""

    list_display = ["__str__", "seller", "status", "first_registration_year", "mileage_km", "city", "photo_count",
                    "created_at"]
    list_filter = ["status", "make", "first_registration_year"]
    search_fields = ["vin", "registration_plate", "seller__email", "seller__full_name", "make", "model"]
    list_select_related = ["seller"]
    date_hierarchy = "created_at"
    inlines = [ListingPhotoInline]
    actions = [reason_action(name="reject_listings", description="Reject selected listings", service=_reject,
                             require_reason=True),
               reason_action(name="relist_listings", description="Relist selected unsold cars (ready for auction)",
                             service=_relist)]
    fieldsets = [
        ("Status", {"fields": ["status", "rejection_reason", "submitted_at", "status_changed_at", "seller"]}),
        ("Car", {"fields": ["vin", "registration_plate", "make", "model", "variant", "first_registration_year",
                            "mileage_km", "fuel", "transmission", "body_type", "colour", "previous_owners",
                            "service_history"]}),
        ("Location and description", {"fields": ["postcode", "city", "description"]}),
        ("Money (private to the seller and staff)", {"fields": ["reserve", "asking_price"]}),
        ("History", {"fields": ["status_history", "created_at", "updated_at"]}),
    ]
    readonly_fields = ["status_history", "reserve", "asking_price"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("photos")

    @admin.display(description="Photos")
    def photo_count(self, listing):
        return len(listing.photos.all())

    @admin.display(description="Reserve")
    def reserve(self, listing):
        return _money(listing.reserve_minor)

    @admin.display(description="Asking price")
    def asking_price(self, listing):
        return _money(listing.asking_price_minor)

    @admin.display(description="Status history")
    def status_history(self, listing):
        rows = AuditLog.objects.for_object(listing).filter(action=AuditLog.Action.STATUS_CHANGE)
        if not rows:
            return "—"
        return format_html("<br>".join(["{}: {} → {} by {}{}"] * len(rows)), *[
            value for row in rows for value in (
                timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M"), row.from_state, row.to_state,
                row.actor_repr,
                f" ({row.reason})" if row.reason else "",
            )
        ])
