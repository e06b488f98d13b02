"""Settlement moderation. Every action calls a service (which audits); money and status are read-only."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdminMixin, reason_action
from core.exceptions import ApplicationError
from core.money import Money
from payments import services
from payments.forms import BankTransferConfirmForm, DisputeResolveForm
from payments.models import (
    Dispute,
    DisputePhoto,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PayoutTransfer,
    Sale,
    SecondChanceOffer,
)


def _parse_amount(text: str, currency: str, form, field: str) -> int | None:
    try:
        value = Money.from_major(text.strip(), currency).amount_minor
    except (ValueError, TypeError):
        form.add_error(field, "An amount like 12399.00")
        return None
    if value <= 0:
        form.add_error(field, "A positive amount.")
        return None
    return value


def _form_action(*, modeladmin, request, queryset, form_class, title: str, name: str, apply):
    """An admin action with an intermediate form; `apply(obj, cleaned_data, form)` calls the service."""
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            done = 0
            for obj in queryset:
                try:
                    if apply(obj, form.cleaned_data, form) is False:
                        break
                except ApplicationError as exc:
                    details = [m for ms in exc.fields.values() for m in ms]
                    modeladmin.message_user(request, f"{obj}: {' '.join([exc.message, *details])}", messages.ERROR)
                    continue
                done += 1
            if done:
                modeladmin.message_user(request, f"{title}: {done} done.", messages.SUCCESS)
            if not form.errors:
                return None
    else:
        form = form_class()
    return TemplateResponse(request, "admin/payments_form_action.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "objects": queryset, "form": form,
        "action_name": name, "opts": modeladmin.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME})


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["account", "amount_minor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SaleLedgerLineInline(admin.TabularInline):
    """The sale's ledger transactions, read-only (entries are on the transaction's page)."""

    model = LedgerTransaction
    fields = ["created_at", "kind", "idempotency_key", "provider", "provider_reference", "lines"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "ledger lines"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="entries")
    def lines(self, obj):
        return "; ".join(f"{entry.account}: {Money.of(entry.amount_minor).format()}"
                         for entry in obj.entries.select_related("account", "account__owner"))


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["reference", "provider", "amount_minor", "status", "provider_reference", "confirmed_at",
              "refund_reference"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _offer_report(offer) -> str:
    if offer is None:
        return "no other bidder can buy the car: it is back on offer (listing unsold)."
    price = Money.of(offer.amount_minor).format()
    if offer.status == SecondChanceOffer.Status.AWAITING_SELLER:
        return (f"the next bid, {price}, is below the reserve: the seller has been asked first. The dealer gets the "
                "offer only after the seller's yes.")
    return f"offered to the next bidder at {price}."


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    list_display = ["pk", "listing", "buyer", "seller", "status", "amount", "payment_deadline", "payout_status",
                    "payout_reference"]
    list_filter = ["status", "payout_status"]
    search_fields = ["listing__vin", "buyer__email", "seller__email", "payout_reference", "payments__reference"]
    date_hierarchy = "created_at"
    list_select_related = ["listing", "buyer", "seller"]
    inlines = [PaymentInline, SaleLedgerLineInline]
    actions = ["confirm_bank_transfer", "confirm_handover", "cancel_and_offer_second_chance", "retry_payout"]
    fieldsets = [
        (None, {"fields": ["auction", "listing", "buyer", "seller", "second_chance_of", "status"]}),
        ("Money", {"fields": ["currency", "hammer_price_minor", "buyer_fee_minor", "amount_due_minor",
                              "seller_fee_minor", "seller_receives_minor", "refunded_minor"]}),
        ("Payment", {"fields": ["payment_deadline", "paid_at", "overdue_at", "cancelled_at", "cancel_reason"]}),
        ("Handover", {"fields": ["collection_proposed_at", "collection_place", "doc_registration", "doc_keys",
                                 "doc_service_book", "buyer_confirmed_at", "seller_confirmed_at", "handed_over_at"]}),
        ("Payout", {"fields": ["payout_status", "payout_reference", "payout_attempts", "payout_last_error",
                               "paid_out_at", "completed_at"]}),
        ("Report", {"fields": ["disclosed_items"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Sale._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="amount due")
    def amount(self, obj):
        return obj.money(obj.amount_due_minor).format()

    @admin.action(description="Confirm bank transfer received")
    def confirm_bank_transfer(self, request, queryset):
        def apply(sale, data, form):
            amount = _parse_amount(data["amount"], sale.currency, form, "amount")
            if amount is None:
                return False
            services.bank_transfer_confirm(sale=sale, actor=request.user, amount_minor=amount,
                                           bank_reference_text=data["bank_reference"])
            return True

        return _form_action(modeladmin=self, request=request, queryset=queryset, form_class=BankTransferConfirmForm,
                            title="Confirm bank transfer received", name="confirm_bank_transfer", apply=apply)

    confirm_handover = reason_action(
        name="confirm_handover", description="Confirm handover (for both sides)",
        service=lambda obj, actor, reason: services.handover_confirm(sale=obj, actor=actor))
    cancel_and_offer_second_chance = reason_action(
        name="cancel_and_offer_second_chance", description="Cancel overdue sale and offer a second chance",
        service=lambda obj, actor, reason: services.sale_cancel_and_offer_second_chance(
            sale=obj, actor=actor, reason=reason), require_reason=True, report=lambda obj, offer: _offer_report(offer))
    retry_payout = reason_action(
        name="retry_payout", description="Retry failed payout",
        service=lambda obj, actor, reason: services.payout_retry(sale=obj, actor=actor, reason=reason))


class DisputePhotoInline(admin.TabularInline):
    model = DisputePhoto
    fields = ["original", "width", "height"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["pk", "sale", "opened_by", "status", "outcome", "refund_minor", "created_at"]
    list_filter = ["status", "outcome"]
    inlines = [DisputePhotoInline]
    actions = ["resolve"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Dispute._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Resolve dispute (refund / partial / reject)")
    def resolve(self, request, queryset):
        def apply(dispute, data, form):
            amount = None
            if data["outcome"] == Dispute.Outcome.PARTIAL:
                amount = _parse_amount(data["amount"], dispute.sale.currency, form, "amount")
                if amount is None:
                    return False
            services.dispute_resolve(dispute=dispute, actor=request.user, outcome=data["outcome"],
                                     amount_minor=amount, resolution=data["resolution"].strip())
            return True

        return _form_action(modeladmin=self, request=request, queryset=queryset, form_class=DisputeResolveForm,
                            title="Resolve dispute", name="resolve", apply=apply)


@admin.register(SecondChanceOffer)
class SecondChanceOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "sale", "dealer", "amount", "status", "consent", "expires_at", "new_sale"]
    list_filter = ["status"]
    list_select_related = ["sale", "sale__listing", "dealer", "consent", "new_sale"]

    @admin.display(description="amount")
    def amount(self, obj):
        return Money.of(obj.amount_minor).format()


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "idempotency_key", "sale", "provider", "provider_reference", "memo"]
    list_filter = ["kind", "provider"]
    search_fields = ["idempotency_key", "provider_reference", "memo"]
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["transaction", "account", "amount_minor"]
    list_filter = ["account__kind"]
    list_select_related = ["transaction", "account", "account__owner"]


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "owner", "currency", "balance"]
    list_filter = ["kind"]

    @admin.display(description="balance (sum of entries)")
    def balance(self, obj):
        from payments.ledger import account_balance

        return Money(account_balance(obj), obj.currency).format()


@admin.register(PayoutTransfer)
class PayoutTransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "payee", "amount_minor", "currency", "created_at"]
    search_fields = ["reference", "idempotency_key"]
