from typing import cast

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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

    title = gettext_lazy("VIN listed more than once")
    parameter_name = "vin_repeated"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes"))]

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

    @admin.display(description=gettext_lazy("Photo"))
    def preview(self, photo):
        # The image is the link's only content: its alt text names where the link goes.
        alt = _("Photo %(number)s full size (opens in a new tab)") % {"number": photo.position + 1}
        return format_html('<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" width="120"></a>',
                           url_for(photo.large), url_for(photo.thumb), alt)


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
    # reason_action types `description` as str; it shows the lazy text at request time, in the reader's language.
    actions = [reason_action(name="reject_listings", description=cast(str, gettext_lazy("Reject selected listings")),
                             service=_reject, require_reason=True),
               reason_action(name="relist_listings",
                             description=cast(str, gettext_lazy("Relist selected unsold cars (back to approved)")),
                             service=_relist)]
    fieldsets = [
        (gettext_lazy("Status"), {"fields": ["status", "sale_paid", "rejection_reason", "submitted_at",
                                             "status_changed_at", "seller"]}),
        (gettext_lazy("Car"), {"fields": ["vin", "other_listings", "registration_plate", "make", "model", "variant",
                            "first_registration_year", "mileage_km", "fuel", "transmission", "body_type", "colour",
                            "previous_owners", "service_history"]}),
        (gettext_lazy("Location and description"), {"fields": ["postcode", "city", "description"]}),
        (gettext_lazy("Money (private to the seller and staff)"), {"fields": ["reserve", "asking_price"]}),
        (gettext_lazy("History"), {"fields": ["status_history", "created_at", "updated_at"]}),
    ]
    readonly_fields = ["status_history", "reserve", "asking_price", "other_listings"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("photos").annotate(vin_count=_vin_count())

    @admin.display(description=gettext_lazy("Photos"))
    def photo_count(self, listing):
        return len(listing.photos.all())

    @admin.display(description=gettext_lazy("Listings of this VIN"), ordering="vin_count")
    def vin_listings(self, listing):
        count = getattr(listing, "vin_count", None) or 1
        if count == 1:
            return "1"
        return format_html('<a href="{}?vin={}">{}</a>', reverse("admin:marketplace_listing_changelist"), listing.vin,
                           _("%(count)s listings") % {"count": count})

    @admin.display(description=gettext_lazy("Other listings of this VIN"))
    def other_listings(self, listing):
        others = Listing.objects.filter(vin=listing.vin).exclude(pk=listing.pk).select_related("seller")
        if not others:
            return _("None")
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">{}</a>: {} · {} · {}',
            ((reverse("admin:marketplace_listing_change", args=[other.pk]), _("Listing %(id)s") % {"id": other.pk},
              other.get_status_display(), other.seller.email,
              _("created %(date)s") % {"date": timezone.localtime(other.created_at).strftime("%Y-%m-%d")})
             for other in others))

    @admin.display(description=gettext_lazy("Reserve"))
    def reserve(self, listing):
        return money_display(listing.reserve_minor)

    @admin.display(description=gettext_lazy("Asking price"))
    def asking_price(self, listing):
        return money_display(listing.asking_price_minor)

    @admin.display(description=gettext_lazy("Status history"))
    def status_history(self, listing):
        rows = AuditLog.objects.for_object(listing).filter(action=AuditLog.Action.STATUS_CHANGE)
        if not rows:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}: {}{}", (
            (timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M"),
             _("%(from)s → %(to)s by %(actor)s") % {"from": row.from_state, "to": row.to_state,
                                                    "actor": row.actor_repr},
             f" ({row.reason})" if row.reason else "")
            for row in rows))


@admin.register(ListingDocument)
class ListingDocumentAdmin(ReviewedDocumentAdmin):
    list_display = ["listing", *ReviewedDocumentAdmin.list_display[1:]]
    list_select_related = ["listing"]
    search_fields = ["listing__vin", "listing__registration_plate", "listing__seller__email"]
    readonly_fields = ["listing", *ReviewedDocumentAdmin.readonly_fields]
    actions = document_review_actions(services.listing_document_review)
