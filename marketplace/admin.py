from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.admin import ReadOnlyAdminMixin, ReviewedDocumentAdmin, document_review_actions, money_display, reason_action
from core.media import url_for
from core.models import AuditLog
from inspections import services as inspection_services
from marketplace import services
from marketplace.models import Listing, ListingDocument, ListingPhoto


def _reject(*, obj, actor, reason):
    return inspection_services.listing_reject_and_cancel_inspection(listing=obj, actor=actor, reason=reason)


def _relist(*, obj, actor, reason):
    return services.listing_relist(listing=obj, actor=actor, reason=reason)


def _vin_count():
    return Subquery(Listing.objects.filter(vin=OuterRef("vin")).order_by().values("vin")
                    .annotate(total=Count("pk")).values("total")[:1])


class VinRepeatedFilter(admin.SimpleListFilter):
    """The same car listed more than once (relisted, sold again, or a second submission to look into)."""

    title = "VIN listed more than once"
    parameter_name = "vin_repeated"

    def lookups(self, request, model_admin):
        return [("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(vin_count__gt=1)
        return queryset


class ListingPhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ListingPhoto
    extra = 0
    fields = readonly_fields = ("preview", "position", "is_cover", "width", "height", "content_type", "size_bytes",
                                "created_at")
    ordering = ["position", "id"]

    @admin.display(description="Photo")
    def preview(self, photo):
        # The image is the link's only content: its alt text names where the link goes.
        return format_html('<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="Photo {} full size (opens '
                           'in a new tab)" width="120"></a>', url_for(photo.large), url_for(photo.thumb),
                           photo.position + 1)


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sellers own their data; staff moderate with the actions (which call services and are audited)."""

    list_display = ["__str__", "seller", "status", "first_registration_year", "mileage_km", "city", "photo_count",
                    "vin_listings", "created_at"]
    list_filter = ["status", VinRepeatedFilter, "make", "first_registration_year"]
    search_fields = ["vin", "registration_plate", "seller__email", "seller__full_name", "make", "model"]
    list_select_related = ["seller"]
    date_hierarchy = "created_at"
    inlines = [ListingPhotoInline]
    actions = [reason_action(name="reject_listings", description="Reject selected listings", service=_reject,
                             require_reason=True),
               reason_action(name="relist_listings", description="Relist selected unsold cars (back to approved)",
                             service=_relist)]
    fieldsets = [
        ("Status", {"fields": ["status", "sale_paid", "rejection_reason", "submitted_at", "status_changed_at",
                               "seller"]}),
        ("Car", {"fields": ["vin", "other_listings", "registration_plate", "make", "model", "variant",
                            "first_registration_year", "mileage_km", "fuel", "transmission", "body_type", "colour",
                            "previous_owners", "service_history"]}),
        ("Location and description", {"fields": ["postcode", "city", "description"]}),
        ("Money (private to the seller and staff)", {"fields": ["reserve", "asking_price"]}),
        ("History", {"fields": ["status_history", "created_at", "updated_at"]}),
    ]
    readonly_fields = ["status_history", "reserve", "asking_price", "other_listings"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("photos").annotate(vin_count=_vin_count())

    @admin.display(description="Photos")
    def photo_count(self, listing):
        return len(listing.photos.all())

    @admin.display(description="Listings of this VIN", ordering="vin_count")
    def vin_listings(self, listing):
        count = getattr(listing, "vin_count", None) or 1
        if count == 1:
            return "1"
        return format_html('<a href="{}?vin={}">{} listings</a>',
                           reverse("admin:marketplace_listing_changelist"), listing.vin, count)

    @admin.display(description="Other listings of this VIN")
    def other_listings(self, listing):
        others = Listing.objects.filter(vin=listing.vin).exclude(pk=listing.pk).select_related("seller")
        if not others:
            return "None"
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">Listing {}</a>: {} · {} · created {}',
            ((reverse("admin:marketplace_listing_change", args=[other.pk]), other.pk, other.get_status_display(),
              other.seller.email, timezone.localtime(other.created_at).strftime("%Y-%m-%d")) for other in others))

    @admin.display(description="Reserve")
    def reserve(self, listing):
        return money_display(listing.reserve_minor)

    @admin.display(description="Asking price")
    def asking_price(self, listing):
        return money_display(listing.asking_price_minor)

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


@admin.register(ListingDocument)
class ListingDocumentAdmin(ReviewedDocumentAdmin):
    list_display = ["listing", *ReviewedDocumentAdmin.list_display[1:]]
    list_select_related = ["listing"]
    search_fields = ["listing__vin", "listing__registration_plate", "listing__seller__email"]
    readonly_fields = ["listing", *ReviewedDocumentAdmin.readonly_fields]
    actions = document_review_actions(services.listing_document_review)
