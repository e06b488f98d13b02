"""Settlement moderation. Every action calls a service (which audits); money and status are read-only."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdminMixin, money_display, money_field, reason_action
from core.exceptions import ApplicationError
from core.money import AMOUNT_MAX_MINOR, Money, amount_too_large_message
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
    if value > AMOUNT_MAX_MINOR:
        form.add_error(field, amount_too_large_message())
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
    fields = ["account", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    amount = money_field("amount_minor", "amount (debit +, credit −)", signed=True)

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
        return "; ".join(f"{entry.account}: {money_display(entry.amount_minor, entry.account.currency, signed=True)}"
                         for entry in obj.entries.select_related("account", "account__owner"))


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["reference", "provider", "amount", "status", "provider_reference", "confirmed_at",
              "refund_reference"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    amount = money_field("amount_minor", "amount", currency_field="currency")

    def has_add_permission(self, request, obj=None):
        return False


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
        ("Money", {"fields": ["currency", "hammer_price", "buyer_fee", "amount_due", "seller_fee", "seller_receives",
                              "refunded"]}),
        ("Payment", {"fields": ["payment_deadline", "paid_at", "overdue_at", "cancelled_at", "cancel_reason"]}),
        ("Handover", {"fields": ["collection_proposed_at", "collection_place", "doc_registration", "doc_keys",
                                 "doc_service_book", "buyer_confirmed_at", "seller_confirmed_at", "handed_over_at"]}),
        ("Payout", {"fields": ["payout_status", "payout_reference", "payout_attempts", "payout_last_error",
                               "paid_out_at", "completed_at"]}),
        ("Report", {"fields": ["disclosed_items"]}),
    ]

    hammer_price = money_field("hammer_price_minor", "hammer price", currency_field="currency")
    buyer_fee = money_field("buyer_fee_minor", "buyer's fee", currency_field="currency")
    amount_due = money_field("amount_due_minor", "amount due (hammer price plus the buyer's fee)",
                             currency_field="currency")
    seller_fee = money_field("seller_fee_minor", "seller's fee", currency_field="currency")
    seller_receives = money_field("seller_receives_minor", "seller receives (hammer price minus the seller's fee)",
                                  currency_field="currency")
    refunded = money_field("refunded_minor", "refunded", currency_field="currency")
    amount = money_field("amount_due_minor", "amount due", currency_field="currency")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Sale._meta.fields] + ["hammer_price", "buyer_fee", "amount_due", "seller_fee",
                                                      "seller_receives", "refunded"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
            sale=obj, actor=actor, reason=reason), require_reason=True)
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
    list_display = ["pk", "sale", "opened_by", "status", "outcome", "refund", "created_at"]
    list_filter = ["status", "outcome"]
    inlines = [DisputePhotoInline]
    actions = ["resolve"]
    fields = ["sale", "opened_by", "reason", "item_keys", "status", "outcome", "resolution", "refund",
              "refund_reference", "resolved_by", "resolved_at", "created_at"]

    refund = money_field("refund_minor", "refund")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Dispute._meta.fields] + ["refund"]

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
    list_display = ["pk", "sale", "dealer", "amount", "status", "expires_at", "new_sale"]
    list_filter = ["status"]
    fields = ["sale", "dealer", "amount", "status", "expires_at", "decided_at", "new_sale", "created_at"]
    readonly_fields = ["amount"]

    amount = money_field("amount_minor", "amount (the dealer's last bid)")


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "idempotency_key", "sale", "provider", "provider_reference", "memo"]
    list_filter = ["kind", "provider"]
    search_fields = ["idempotency_key", "provider_reference", "memo"]
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["transaction", "account", "amount"]
    list_filter = ["account__kind"]
    list_select_related = ["transaction", "account", "account__owner"]
    fields = ["transaction", "account", "amount"]
    readonly_fields = ["amount"]

    amount = money_field("amount_minor", "amount (debit +, credit −)", signed=True)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "owner", "currency", "balance"]
    list_filter = ["kind"]

    @admin.display(description="balance (sum of entries)")
    def balance(self, obj):
        from payments.ledger import account_balance

        return money_display(account_balance(obj), obj.currency)


@admin.register(PayoutTransfer)
class PayoutTransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "payee", "amount", "created_at"]
    search_fields = ["reference", "idempotency_key"]
    fields = ["reference", "idempotency_key", "payee", "amount", "memo", "created_at"]
    readonly_fields = ["amount"]

    amount = money_field("amount_minor", "amount", currency_field="currency")
