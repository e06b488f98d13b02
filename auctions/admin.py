from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from auctions import selectors, services
from auctions.models import ApprovedListing, Auction, Bid, RelistRequest, SellerConsent
from core.admin import ReadOnlyAdminMixin, money_field, reason_action
from core.exceptions import ApplicationError
from core.money import AMOUNT_MAX_MINOR, Money
from insights.selectors import guidance_for_listings
from marketplace.models import Listing
from payments import services as payment_services


class BidInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Bid
    extra = 0
    fields = readonly_fields = ("sequence", "dealer", "amount", "kind", "maximum", "is_visible", "state",
                                "withdrawn_at", "created_at")
    ordering = ["-sequence"]

    amount = money_field("amount_minor", _("amount"))
    maximum = money_field("max_minor", _("maximum (private)"))


def _cancel(*, obj, actor, reason):
    return services.auction_cancel(auction_id=obj.pk, actor=actor, reason=reason)


@admin.register(Auction)
class AuctionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "listing", "status", "outcome", "starts_at", "ends_at", "price", "bid_count", "reserve"]
    list_filter = ["status", "outcome"]
    search_fields = ["listing__vin", "listing__make", "listing__model", "listing__seller__email"]
    list_select_related = ["listing"]
    date_hierarchy = "ends_at"
    inlines = [BidInline]
    actions = ["close_now", reason_action(name="cancel_auctions", description=_("Cancel selected auctions"),
                                          service=_cancel, require_reason=True)]
    fieldsets = [
        (None, {"fields": ["listing", "status", "outcome", "starts_at", "ends_at", "duration_minutes",
                           "scheduled_by", "created_at", "updated_at", "integrity_report"]}),
        (_("Money"), {"fields": ["starting_price", "reserve", "price", "bid_count", "leader", "leader_max",
                              "hammer_price"]}),
        (_("Close"), {"fields": ["closed_at", "decision_deadline", "decided_at", "winner", "cancel_reason",
                              "last_sequence", "event_seq"]}),
    ]
    readonly_fields = ["starting_price", "reserve", "price", "leader_max", "hammer_price", "integrity_report"]

    starting_price = money_field("starting_price_minor", _("starting price"))
    reserve = money_field("reserve_minor", _("reserve (private)"))
    price = money_field("price_minor", _("price"))
    leader_max = money_field("leader_max_minor", _("leader's maximum (private)"))
    hammer_price = money_field("hammer_price_minor", _("hammer price"))

    def get_urls(self):
        return [path("<int:auction_id>/integrity/", self.admin_site.admin_view(self.integrity_view),
                     name="auctions_auction_integrity"), *super().get_urls()]

    def integrity_view(self, request, auction_id: int):
        """The auction's integrity report: linked accounts, rare winners, bidders concentrated on one seller."""
        auction = get_object_or_404(Auction.objects.select_related("listing"), pk=auction_id)
        if not self.has_view_permission(request, auction):
            raise PermissionDenied
        return TemplateResponse(request, "admin/auctions/integrity.html", {
            **self.admin_site.each_context(request), "title": gettext("Integrity report: auction %(id)s")
            % {"id": auction.pk},
            "report": selectors.auction_integrity_report(auction=auction), "opts": self.model._meta,
            "original": auction})

    @admin.display(description=_("integrity report"))
    def integrity_report(self, obj):
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:auctions_auction_integrity", args=[obj.pk]),
                           gettext("Open the integrity report"))

    @admin.action(description=_("Close now (only auctions past their end)"))
    def close_now(self, request, queryset):
        closed = sum(1 for auction in queryset if payment_services.auction_close_and_settle(auction_id=auction.pk))
        skipped = queryset.count() - closed
        self.message_user(request, gettext("Closed %(closed)d; %(skipped)d not live or not past their end yet.")
                          % {"closed": closed, "skipped": skipped},
                          messages.SUCCESS if closed else messages.WARNING)


@admin.register(SellerConsent)
class SellerConsentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The sellers' answers about prices below their reserve. Read-only: only the seller answers (on their pages or
    through the API); staff actions that would sell below the reserve ask the seller instead."""

    list_display = ["pk", "auction", "source", "status", "amount", "reserve", "dealer", "deadline", "decided_by",
                    "decided_at"]
    list_filter = ["status", "source"]
    search_fields = ["auction__listing__vin", "auction__listing__seller__email", "dealer__email"]
    list_select_related = ["auction", "auction__listing", "dealer", "decided_by"]
    fields = readonly_fields = ("auction", "dealer", "source", "status", "amount", "reserve", "deadline",
                                "requested_by", "decided_by", "decided_at", "created_at")

    amount = money_field("amount_minor", _("the price the seller is asked about"))
    reserve = money_field("reserve_minor", _("the auction's reserve when the seller was asked"))


class ScheduleForm(forms.Form):
    starts_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
                                    help_text=_("Local time. A time in the past starts the auction at once."))
    duration_minutes = forms.IntegerField(min_value=1, max_value=7 * 24 * 60)
    starting_price = forms.DecimalField(min_value=1, max_value=Money.of(AMOUNT_MAX_MINOR).major, decimal_places=2,
                                        help_text=format_lazy(_("In {currency}. The reserve comes from the listing."),
                                                              currency=settings.GAVEL_CURRENCY))


@admin.register(ApprovedListing)
class ApprovedListingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Approved cars; the action books them into an auction (one form for all selected)."""

    list_display = ["__str__", "seller", "city", "mileage_km", "reserve", "status"]
    search_fields = ["vin", "make", "model", "seller__email"]
    list_select_related = ["seller"]
    actions = ["schedule_auction"]

    exclude = ["reserve_minor", "asking_price_minor"]
    readonly_fields = ["reserve", "asking_price"]

    reserve = money_field("reserve_minor", _("reserve"))
    asking_price = money_field("asking_price_minor", _("asking price"))

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Listing.Status.APPROVED)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.action(description=_("Schedule auction"))
    def schedule_auction(self, request, queryset):
        if "apply" in request.POST:
            form = ScheduleForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                price = Money.from_major(data["starting_price"]).amount_minor
                for index, listing in enumerate(queryset):
                    try:
                        # Several cars: one after another, so they do not all end at the same moment.
                        services.auction_schedule(
                            listing=listing, actor=request.user, starting_price_minor=price,
                            starts_at=data["starts_at"] + timedelta(minutes=index * data["duration_minutes"]),
                            duration_minutes=data["duration_minutes"])
                    except ApplicationError as exc:
                        self.message_user(request, f"{listing}: {exc.message}", messages.ERROR)
                    else:
                        self.message_user(request, gettext("%(car)s: auction scheduled.") % {"car": listing},
                                          messages.SUCCESS)
                return None
        else:
            form = ScheduleForm(initial={"starts_at": timezone.localtime().replace(second=0, microsecond=0),
                                         "duration_minutes": settings.GAVEL_AUCTION_DEFAULT_MINUTES})
        objects = list(queryset)
        guidance = guidance_for_listings(objects)
        for listing in objects:
            listing.guidance = guidance.get(listing.pk)
        return TemplateResponse(request, "admin/auctions/schedule.html", {
            **self.admin_site.each_context(request), "title": gettext("Schedule auction"), "objects": objects,
            "form": form, "opts": self.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME})


def _relist_refuse(*, obj, actor, reason):
    return services.relist_refuse(request_id=obj.pk, actor=actor, reason=reason)


class RelistApproveForm(forms.Form):
    starts_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
                                    help_text=_("Local time. A time in the past starts the auction at once."))
    duration_minutes = forms.IntegerField(min_value=1, max_value=7 * 24 * 60)


@admin.register(RelistRequest)
class RelistRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sellers' requests to auction an unsold car again, with their new reserve and starting price."""

    list_display = ["id", "listing", "reserve", "starting_price", "status", "created_at", "auction"]
    list_filter = ["status"]
    list_select_related = ["listing"]
    actions = ["approve_and_schedule", "refuse"]
    exclude = ["reserve_minor", "starting_price_minor"]
    readonly_fields = ["reserve", "starting_price"]

    reserve = money_field("reserve_minor", _("new reserve"))
    starting_price = money_field("starting_price_minor", _("starting price"))
    refuse = reason_action(name="refuse", description=_("Refuse (tell the seller why)"), service=_relist_refuse,
                           require_reason=True)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.action(description=_("Approve and schedule the auction (same inspection report)"))
    def approve_and_schedule(self, request, queryset):
        if "apply" in request.POST:
            form = RelistApproveForm(request.POST)
            if form.is_valid():
                for relist in queryset:
                    try:
                        services.relist_approve(request_id=relist.pk, actor=request.user,
                                                starts_at=form.cleaned_data["starts_at"],
                                                duration_minutes=form.cleaned_data["duration_minutes"])
                    except ApplicationError as exc:
                        self.message_user(request, f"{relist}: {exc.message}", messages.ERROR)
                    else:
                        self.message_user(request, gettext("%(request)s: relisted, auction scheduled.")
                                          % {"request": relist}, messages.SUCCESS)
                return None
        else:
            form = RelistApproveForm(initial={"starts_at": timezone.localtime().replace(second=0, microsecond=0),
                                              "duration_minutes": settings.GAVEL_AUCTION_DEFAULT_MINUTES})
        return TemplateResponse(request, "admin/auctions/schedule.html", {
            **self.admin_site.each_context(request), "title": gettext("Approve and schedule the auction"),
            "objects": queryset,
            "action_name": "approve_and_schedule", "submit_label": gettext("Approve and schedule"),
            "form": form, "opts": self.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME})
