"""Settlement moderation. Every action calls a service (which audits); money and status are read-only."""

from __future__ import annotations

import functools
import uuid
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin, money_display, money_field, reason_action
from core.exceptions import ApplicationError
from core.money import AMOUNT_MAX_MINOR, Money, amount_too_large_message
from payments import selectors, services
from payments.forms import (
    BankTransferConfirmForm,
    BuyNowProposeForm,
    DepositTopUpConfirmForm,
    DisputeResolveForm,
    GuaranteeFundForm,
    ReceivablePaymentForm,
)
from payments.ledger import account_balance
from payments.models import (
    AdjustmentRequest,
    BuyNowOffer,
    CollectionCheck,
    DealerReceivable,
    DepositTopUp,
    DepositWithdrawal,
    Dispute,
    DisputePhoto,
    Document,
    GuaranteeClaim,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PayoutTransfer,
    ReceivableSettlement,
    Sale,
    SecondChanceOffer,
    SellerReceivable,
    UnsoldListing,
)
from payments.services import deposits

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _parse_amount(text: str, currency: str, form, field: str) -> int | None:
    try:
        value = Money.from_major(text.strip(), currency).amount_minor
    except (ValueError, TypeError):
        form.add_error(field, gettext("An amount like 12399.00"))
        return None
    if value <= 0:
        form.add_error(field, gettext("A positive amount."))
        return None
    if value > AMOUNT_MAX_MINOR:
        form.add_error(field, amount_too_large_message())
        return None
    return value


def _form_action(*, modeladmin, request, queryset, form_class, title: StrOrPromise, name: str, apply):
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
                modeladmin.message_user(request, gettext("%(title)s: %(count)s done.") % {
                    "title": title, "count": done}, messages.SUCCESS)
            if not form.errors:
                return None
    else:
        form = form_class()
    return TemplateResponse(request, "admin/payments_form_action.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "objects": queryset, "form": form,
        "action_name": name, "opts": modeladmin.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME})


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = readonly_fields = ("account", "amount")
    extra = 0
    can_delete = False

    amount = money_field("amount_minor", _("amount (debit +, credit −)"), signed=True)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SaleLedgerLineInline(admin.TabularInline):
    """The sale's ledger transactions, read-only (entries are on the transaction's page)."""

    model = LedgerTransaction
    fields = readonly_fields = ("created_at", "kind", "idempotency_key", "provider", "provider_reference", "lines")
    extra = 0
    can_delete = False
    verbose_name_plural = _("ledger lines")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("entries"))
    def lines(self, obj):
        return "; ".join(f"{entry.account}: {money_display(entry.amount_minor, entry.account.currency, signed=True)}"
                         for entry in obj.entries.select_related("account", "account__owner"))


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = readonly_fields = ("reference", "provider", "amount", "status", "provider_reference", "confirmed_at",
                                "refund_reference")
    extra = 0
    can_delete = False

    amount = money_field("amount_minor", _("amount"), currency_field="currency")

    def has_add_permission(self, request, obj=None):
        return False


class SaleReceivableInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What the seller owes for this sale (a refund staff charged to them after their share had left escrow)."""

    model = SellerReceivable
    fk_name = "sale"
    fields = readonly_fields = ("link", "amount", "settled", "status", "reason")
    extra = 0
    verbose_name_plural = _("what the seller owes")

    @admin.display(description=_("receivable"))
    def link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_sellerreceivable_change", args=[obj.pk]),
                           obj.bank_reference)

    @admin.display(description=_("amount"))
    def amount(self, obj):
        return obj.money(obj.amount_minor).format()

    @admin.display(description=_("settled"))
    def settled(self, obj):
        return obj.money(obj.settled_minor).format()


class SaleGuaranteeClaimInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GuaranteeClaim
    fields = readonly_fields = ("created_at", "inspector", "missed", "amount")
    extra = 0
    verbose_name_plural = _("paid by the inspection guarantee")

    @admin.display(description=_("what the inspection missed"))
    def missed(self, obj):
        return "; ".join(obj.lines)

    @admin.display(description=_("amount"))
    def amount(self, obj):
        return Money(obj.amount_minor, obj.currency).format()


def _offer_report(offer) -> str:
    if offer is None:
        return gettext("no other bidder can buy the car: it is back on offer (listing unsold).")
    price = Money.of(offer.amount_minor).format()
    if offer.status == SecondChanceOffer.Status.AWAITING_SELLER:
        return gettext("the next bid, %(price)s, is below the reserve: the seller has been asked first. The dealer "
                       "gets the offer only after the seller's yes.") % {"price": price}
    return gettext("offered to the next bidder at %(price)s.") % {"price": price}


class SaleDocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The invoices, credit notes and statements issued for the sale, as issued (they never change)."""

    model = Document
    fk_name = "sale"
    fields = readonly_fields = ("pdf_link", "kind", "recipient", "issued_at", "total")
    extra = 0
    verbose_name_plural = _("issued documents")

    @admin.display(description=_("document"))
    def pdf_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("payments:document", args=[obj.sale_id, obj.pk]),
                           obj.number)

    @admin.display(description=_("total"))
    def total(self, obj):
        return Money.of(obj.total_minor, obj.currency).format()


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    list_display = ["pk", "listing", "buyer", "seller", "status", "amount", "payment_deadline", "payout_status",
                    "payout_reference"]
    list_filter = ["status", "payout_status"]
    search_fields = ["listing__vin", "buyer__email", "seller__email", "payout_reference", "payments__reference"]
    date_hierarchy = "created_at"
    list_select_related = ["listing", "buyer", "seller"]
    inlines = [PaymentInline, SaleLedgerLineInline, SaleGuaranteeClaimInline, SaleReceivableInline, SaleDocumentInline]
    actions = ["confirm_bank_transfer", "confirm_handover", "cancel_and_offer_second_chance", "retry_payout"]
    fieldsets = [
        (None, {"fields": ["auction", "listing", "buyer", "seller", "second_chance_of", "status"]}),
        (_("Money"), {"fields": ["currency", "hammer_price", "buyer_fee", "amount_due", "seller_fee", "seller_receives",
                              "refunded", "guarantee_paid", "set_off"]}),
        (_("Payment"), {"fields": ["payment_deadline", "paid_at", "overdue_at", "cancelled_at", "cancel_reason"]}),
        (_("Handover"), {"fields": ["collection_deadline", "collection_overdue_at", "collection_proposed_at",
                                 "collection_place", "doc_registration", "doc_keys",
                                 "doc_service_book", "buyer_confirmed_at", "seller_confirmed_at", "handed_over_at"]}),
        (_("Payout"), {"fields": ["payout_status", "payout_reference", "payout_attempts", "payout_last_error",
                               "paid_out_at", "completed_at"]}),
        (_("Report"), {"fields": ["report", "disclosed"]}),
    ]

    hammer_price = money_field("hammer_price_minor", _("hammer price"), currency_field="currency")
    buyer_fee = money_field("buyer_fee_minor", _("buyer's fee"), currency_field="currency")
    amount_due = money_field("amount_due_minor", _("amount due (hammer price plus the buyer's fee)"),
                             currency_field="currency")
    seller_fee = money_field("seller_fee_minor", _("seller's fee"), currency_field="currency")
    seller_receives = money_field("seller_receives_minor", _("seller receives (hammer price minus the seller's fee)"),
                                  currency_field="currency")
    refunded = money_field("refunded_minor", _("refunded"), currency_field="currency")
    guarantee_paid = money_field("guarantee_paid_minor", _("refunded by the inspection guarantee"),
                                 currency_field="currency")
    set_off = money_field("set_off_minor", _("set off against the seller's receivables"), currency_field="currency")
    amount = money_field("amount_due_minor", _("amount due"), currency_field="currency")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Sale._meta.fields] + ["hammer_price", "buyer_fee", "amount_due", "seller_fee",
                                                      "seller_receives", "refunded", "guarantee_paid", "set_off",
                                                      "disclosed"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("what the report disclosed"))
    def disclosed(self, obj):
        lines = selectors.sale_disclosed_lines(sale=obj)
        return format_html_join("", "<div>{}</div>", ((line["text"],) for line in lines)) if lines else "—"

    @admin.action(description=_("Confirm bank transfer received"))
    def confirm_bank_transfer(self, request, queryset):
        def apply(sale, data, form):
            amount = _parse_amount(data["amount"], sale.currency, form, "amount")
            if amount is None:
                return False
            services.bank_transfer_confirm(sale=sale, actor=request.user, amount_minor=amount,
                                           bank_reference_text=data["bank_reference"])
            return True

        return _form_action(modeladmin=self, request=request, queryset=queryset, form_class=BankTransferConfirmForm,
                            title=_("Confirm bank transfer received"), name="confirm_bank_transfer", apply=apply)

    confirm_handover = reason_action(
        name="confirm_handover", description=_("Confirm handover (for both sides)"),
        service=lambda obj, actor, reason: services.handover_confirm(sale=obj, actor=actor))
    cancel_and_offer_second_chance = reason_action(
        name="cancel_and_offer_second_chance", description=_("Cancel overdue sale and offer a second chance"),
        service=lambda obj, actor, reason: services.sale_cancel_and_offer_second_chance(
            sale=obj, actor=actor, reason=reason), require_reason=True, report=lambda obj, offer: _offer_report(offer))
    retry_payout = reason_action(
        name="retry_payout", description=_("Retry failed payout"),
        service=lambda obj, actor, reason: services.payout_retry(sale=obj, actor=actor, reason=reason))


class DisputePhotoInline(admin.TabularInline):
    model = DisputePhoto
    fields = readonly_fields = ("finding_key", "original", "width", "height")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["pk", "sale", "opened_by", "status", "computed", "outcome", "refund", "overridden", "cause",
                    "created_at"]
    list_filter = ["status", "outcome", "cause", "overridden"]
    list_select_related = ["sale", "opened_by"]
    inlines = [DisputePhotoInline]
    actions = ["resolve"]
    fields = readonly_fields = ("sale", "opened_by", "created_at", "reason", "report_lines", "the_computation",
                                "computed", "report_revision", "inspector", "status", "default_cause", "outcome",
                                "refund", "overridden", "refund_reference", "cause", "cause_reason", "paid_by",
                                "resolution", "resolved_by", "resolved_at")

    @admin.display(description=_("computed refund (the rules)"))
    def computed(self, obj):
        return obj.sale.money(obj.computed_minor).format() if obj.computation else gettext("— (from before the rules)")

    @admin.display(description=_("computation"))
    def the_computation(self, obj):
        findings = (obj.computation or {}).get("findings", [])
        if not findings:
            return "—"
        rows = format_html_join("", "<tr><td>{}, {}</td><td>{}</td><td>{}</td></tr>", (
            (f["label"], f["severity"], selectors.finding_detail(f), obj.sale.money(f["amount_minor"]).format())
            for f in findings))
        c, money = obj.computation, obj.sale.money
        summary = format_html(
            gettext("Counted {counted} less the deductible {deductible} = <strong>{total}</strong> (table {table}, "
                    "schedule {schedule})"),
            counted=money(c["subtotal_minor"]).format(), deductible=money(c["deductible_applied_minor"]).format(),
            total=money(c["amount_minor"]).format(), table=c["table_version"], schedule=c["schedule_version"])
        return format_html("<table>{}</table><p>{}</p>", rows, summary)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("refund"))
    def refund(self, obj):
        return obj.sale.money(obj.refund_minor).format() if obj.refund_minor else "—"

    @admin.display(description=_("what the inspection missed"))
    def report_lines(self, obj):
        items = selectors.dispute_items(dispute=obj)
        return format_html_join("", "<div>{}</div>", ((item["text"],) for item in items)) if items else "—"

    @admin.display(description=_("report revision the dealer bid on"))
    def report_revision(self, obj):
        report = obj.sale.report
        return gettext("Revision %(revision)s (%(fingerprint)s…)") % {
            "revision": report.revision, "fingerprint": report.fingerprint[:12]} if report else "—"

    @admin.display(description=_("inspector"))
    def inspector(self, obj):
        report = obj.sale.report
        return report.inspection.inspector if report and report.inspection.inspector_id else "—"

    @admin.display(description=_("default cause of a refund"))
    def default_cause(self, obj):
        cause = selectors.dispute_default_cause(dispute=obj)
        return Dispute.Cause(cause).label if cause else gettext("None: staff choose (the dispute names no report "
                                                                "line)")

    @admin.display(description=_("paid by"))
    def paid_by(self, obj):
        claim = GuaranteeClaim.objects.filter(dispute=obj).first()
        if claim is not None:
            url = reverse("admin:payments_guaranteeclaim_change", args=[claim.pk])
            return format_html('<a href="{}">{}</a>', url, gettext("Inspection guarantee: %(amount)s") % {
                "amount": obj.sale.money(claim.amount_minor)})
        receivable = SellerReceivable.objects.filter(dispute=obj).first()
        if receivable is not None:
            url = reverse("admin:payments_sellerreceivable_change", args=[receivable.pk])
            return format_html('<a href="{}">{}</a>', url, gettext("Seller receivable: %(amount)s") % {
                "amount": receivable.money(receivable.amount_minor)})
        return "—"

    @admin.action(description=_("Resolve dispute (the computed refund, or override with a written reason)"))
    def resolve(self, request, queryset):
        def apply(dispute, data, form):
            amount = None
            if data["outcome"] == Dispute.Outcome.PARTIAL:
                amount = _parse_amount(data["amount"], dispute.sale.currency, form, "amount")
                if amount is None:
                    return False
            services.dispute_resolve(dispute=dispute, actor=request.user, outcome=data["outcome"],
                                     amount_minor=amount, resolution=data["resolution"].strip(),
                                     cause=data["cause"] or None, cause_reason=data["cause_reason"])
            return True

        defaults = {selectors.dispute_default_cause(dispute=dispute) for dispute in queryset.select_related("sale")}
        initial = {"cause": defaults.pop()} if len(defaults) == 1 else {}
        return _form_action(modeladmin=self, request=request, queryset=queryset,
                            form_class=functools.partial(DisputeResolveForm, initial=initial),
                            title=_("Resolve dispute"), name="resolve", apply=apply)


@admin.register(SecondChanceOffer)
class SecondChanceOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "sale", "dealer", "amount", "status", "consent", "expires_at", "new_sale"]
    list_filter = ["status"]
    list_select_related = ["sale", "sale__listing", "dealer", "consent", "new_sale"]
    fields = ["sale", "dealer", "amount", "status", "consent", "expires_at", "decided_at", "new_sale", "created_at"]
    readonly_fields = ["amount"]

    amount = money_field("amount_minor", _("amount (the dealer's last bid)"))


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

    amount = money_field("amount_minor", _("amount (debit +, credit −)"), signed=True)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every account with its balance (a sum of entries) and, on its page, its history. The inspection guarantee
    is funded from here."""

    list_display = ["kind", "owner", "currency", "balance"]
    list_filter = ["kind"]
    fields = ["kind", "owner", "currency", "created_at", "balance", "history"]
    readonly_fields = ["balance", "history"]
    actions = ["fund_guarantee"]

    @admin.display(description=_("balance (sum of entries)"))
    def balance(self, obj):
        return money_display(account_balance(obj), obj.currency)

    @admin.display(description=_("history (newest first, the last 200 entries)"))
    def history(self, obj):
        rows = selectors.ledger_account_history(account=obj)
        if not rows:
            return gettext("No entries yet.")
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (row["entry"].transaction.created_at.strftime("%Y-%m-%d %H:%M"),
             row["entry"].transaction.get_kind_display(), row["entry"].transaction.memo,
             gettext("Sale %(sale)s") % {"sale": row["entry"].transaction.sale_id}
             if row["entry"].transaction.sale_id else "",
             Money(row["entry"].amount_minor, obj.currency).format(),
             Money(row["balance_minor"], obj.currency).format()) for row in rows))
        heads = format_html_join("", "<th>{}</th>", ((gettext(head),) for head in (
            gettext_noop("When"), gettext_noop("What"), gettext_noop("Memo"), gettext_noop("Sale"),
            gettext_noop("Amount"), gettext_noop("Balance after"))))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", heads, body)

    @admin.action(description=_("Fund the inspection guarantee"))
    def fund_guarantee(self, request, queryset):
        if any(account.kind != LedgerAccount.Kind.GUARANTEE for account in queryset):
            self.message_user(request, gettext("Select the inspection guarantee account to fund it."),
                              messages.ERROR)
            return None

        def apply(account, data, form):
            amount = _parse_amount(data["amount"], account.currency, form, "amount")
            if amount is None:
                return False
            services.guarantee_fund(actor=request.user, amount_minor=amount, source=data["source"],
                                    memo=data["memo"], token=data["token"])
            return True

        return _form_action(modeladmin=self, request=request, queryset=queryset,
                            form_class=functools.partial(GuaranteeFundForm, initial={"token": uuid.uuid4().hex}),
                            title=_("Fund the inspection guarantee"), name="fund_guarantee", apply=apply)


@admin.register(GuaranteeClaim)
class GuaranteeClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Refunds the inspection guarantee paid, each traced to the report revision, its lines and the inspector."""

    list_display = ["created_at", "sale", "dispute", "inspector", "report_revision", "missed", "amount"]
    fields = readonly_fields = ("created_at", "sale", "dispute", "report_revision", "inspector", "missed", "amount",
                                "ledger_transaction", "decided_by")
    list_filter = ["inspector"]
    list_select_related = ["sale", "dispute", "inspector", "report"]
    search_fields = ["inspector__email", "sale__listing__vin"]
    date_hierarchy = "created_at"

    @admin.display(description=_("report revision"))
    def report_revision(self, obj):
        return gettext("Revision %(revision)s of listing %(listing)s") % {
            "revision": obj.report.revision, "listing": obj.report.listing_id}

    @admin.display(description=_("what the inspection missed"))
    def missed(self, obj):
        return "; ".join(obj.lines)

    @admin.display(description=_("amount"))
    def amount(self, obj):
        return Money(obj.amount_minor, obj.currency).format()


class ReceivableSettlementInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReceivableSettlement
    fields = readonly_fields = ("created_at", "method", "amount", "bank_reference", "payout_sale", "recorded_by")
    extra = 0

    @admin.display(description=_("amount"))
    def amount(self, obj):
        return Money(obj.amount_minor, obj.receivable.currency).format()


@admin.register(SellerReceivable)
class SellerReceivableAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What sellers owe after a refund staff charged to them. Settled by recording their transfer here, or set
    off against their next payout automatically."""

    list_display = ["pk", "seller", "sale", "amount", "settled", "outstanding", "status", "reference", "created_at"]
    fields = readonly_fields = ("seller", "sale", "dispute", "reason", "amount", "settled", "outstanding", "reference",
                                "status", "created_by", "created_at", "settled_at", "ledger_transaction")
    list_filter = ["status"]
    list_select_related = ["seller", "sale"]
    search_fields = ["seller__email", "sale__listing__vin"]
    inlines = [ReceivableSettlementInline]
    actions = ["record_payment"]

    @admin.display(description=_("amount"))
    def amount(self, obj):
        return obj.money(obj.amount_minor).format()

    @admin.display(description=_("settled"))
    def settled(self, obj):
        return obj.money(obj.settled_minor).format()

    @admin.display(description=_("still owed"))
    def outstanding(self, obj):
        return obj.money(obj.outstanding_minor).format()

    @admin.display(description=_("transfer reference"))
    def reference(self, obj):
        return obj.bank_reference

    @admin.action(description=_("Record a payment from the seller"))
    def record_payment(self, request, queryset):
        def apply(receivable, data, form):
            amount = _parse_amount(data["amount"], receivable.currency, form, "amount")
            if amount is None:
                return False
            services.receivable_payment_record(receivable=receivable, actor=request.user, amount_minor=amount,
                                               bank_reference_text=data["bank_reference"])
            return True

        return _form_action(modeladmin=self, request=request, queryset=queryset, form_class=ReceivablePaymentForm,
                            title=_("Record a payment from the seller"), name="record_payment", apply=apply)


@admin.register(PayoutTransfer)
class PayoutTransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "payee", "amount", "created_at"]
    search_fields = ["reference", "idempotency_key"]
    fields = ["reference", "idempotency_key", "payee", "amount", "memo", "created_at"]
    readonly_fields = ["amount"]

    amount = money_field("amount_minor", _("amount"), currency_field="currency")


@admin.register(DepositTopUp)
class DepositTopUpAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Transfers dealers announced into their deposits; staff confirm the money arrived (a ledger transaction)."""

    list_display = ["created_at", "dealer", "reference", "announced", "received", "status", "confirmed_at"]
    fields = readonly_fields = ("created_at", "dealer", "reference", "announced", "received", "status", "confirmed_at",
                                "confirmed_by", "ledger_transaction")
    list_filter = ["status"]
    list_select_related = ["dealer"]
    search_fields = ["reference", "dealer__email"]
    actions = ["confirm_received"]

    announced = money_field("amount_minor", _("announced"), currency_field="currency")
    received = money_field("received_minor", _("received"), currency_field="currency")

    @admin.action(description=_("Confirm the transfer arrived (into the deposit)"))
    def confirm_received(self, request, queryset):
        def apply(topup, data, form):
            amount = None
            if data["amount"].strip():
                amount = _parse_amount(data["amount"], topup.currency, form, "amount")
                if amount is None:
                    return False
            deposits.deposit_topup_confirm(topup=topup, actor=request.user, received_minor=amount)
            return True

        return _form_action(modeladmin=self, request=request, queryset=queryset, form_class=DepositTopUpConfirmForm,
                            title=_("Confirm the transfer arrived"), name="confirm_received", apply=apply)


@admin.register(DepositWithdrawal)
class DepositWithdrawalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "dealer", "amount", "payout_reference"]
    fields = readonly_fields = ("created_at", "dealer", "amount", "payout_reference", "ledger_transaction")
    list_select_related = ["dealer"]
    search_fields = ["payout_reference", "dealer__email"]

    amount = money_field("amount_minor", _("amount"), currency_field="currency")


@admin.register(DealerReceivable)
class DealerReceivableAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Fees a dealer's deposit could not cover: owed, no bidding until the next top-ups pay them."""

    list_display = ["created_at", "dealer", "sale", "kind", "fee", "amount", "settled", "status"]
    fields = readonly_fields = ("created_at", "dealer", "sale", "kind", "fee", "amount", "settled", "status",
                                "settled_at", "ledger_transaction")
    list_filter = ["status", "kind"]
    list_select_related = ["dealer", "sale"]
    search_fields = ["dealer__email"]

    fee = money_field("fee_minor", _("fee in full"), currency_field="currency")
    amount = money_field("amount_minor", _("owed"), currency_field="currency")
    settled = money_field("settled_minor", _("paid"), currency_field="currency")


@admin.register(CollectionCheck)
class CollectionCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What dealers recorded at the handover, with the rules' computation (payments.nochip)."""

    list_display = ["recorded_at", "sale", "dealer", "outcome"]
    fields = readonly_fields = ("recorded_at", "sale", "dealer", "vin_on_car", "odometer_km", "findings",
                                "as_reported", "outcome", "computation")
    list_filter = ["outcome"]
    list_select_related = ["sale", "dealer"]


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Price adjustments: computed, never typed; the seller decides."""

    list_display = ["created_at", "sale", "amount", "status", "deadline", "break_fee_taken"]
    fields = readonly_fields = ("created_at", "sale", "dealer", "amount", "status", "deadline", "decided_at",
                                "break_fee", "break_fee_taken", "computation")
    list_filter = ["status"]
    list_select_related = ["sale"]

    amount = money_field("amount_minor", _("amount"), currency_field="currency")
    break_fee = money_field("break_fee_minor", _("break fee"), currency_field="currency")
    break_fee_taken = money_field("break_fee_taken_minor", _("from the deposit"), currency_field="currency")


@admin.register(UnsoldListing)
class UnsoldListingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Cars whose auction ended without a sale; the action offers them for buy now at a price the seller agrees to."""

    list_display = ["__str__", "seller", "city", "reserve", "status"]
    search_fields = ["vin", "make", "model", "seller__email"]
    list_select_related = ["seller"]
    actions = ["offer_buy_now"]
    exclude = ["reserve_minor", "asking_price_minor"]
    readonly_fields = ["reserve"]

    reserve = money_field("reserve_minor", _("reserve"))

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=UnsoldListing.Status.UNSOLD)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.action(description=_("Offer for buy now (24 h, the seller agrees first)"))
    def offer_buy_now(self, request, queryset):
        def apply(listing, data, form):
            price = _parse_amount(data["price"], Money.zero().currency, form, "price")
            if price is None:
                return False
            services.buy_now_propose(listing=listing, actor=request.user, price_minor=price)
            return True

        return _form_action(modeladmin=self, request=request, queryset=queryset, form_class=BuyNowProposeForm,
                            title=_("Offer for buy now"), name="offer_buy_now", apply=apply)


@admin.register(BuyNowOffer)
class BuyNowOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "listing", "price", "status", "seller_agreed_at", "expires_at", "buyer", "sale"]
    list_filter = ["status"]
    list_select_related = ["listing", "buyer", "sale"]
    exclude = ["price_minor"]
    readonly_fields = ["price"]

    price = money_field("price_minor", _("price"))

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
