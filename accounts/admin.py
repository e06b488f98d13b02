from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DrfTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts import apikeys, security, services
from accounts.models import ApiKey, DealerDocument, DealerProfile, User
from core.admin import ReviewedDocumentAdmin, document_review_actions, money_field, reason_action
from core.exceptions import ValidationFailed
from core.forms import MoneyField
from core.media import url_for
from payments.services import dealer_suspend_and_withdraw


class UserCreationAdminForm(forms.ModelForm):
    """Staff create inspectors (and other staff) here; the password rules of sign-up apply."""

    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 10 characters; not common, not all digits."))

    class Meta:
        model = User
        fields = ["email", "full_name", "phone", "role", "region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].initial = User.Role.INSPECTOR

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if not self.errors:
            try:
                services.user_check_new(**{k: data.get(k, "") for k in
                                           ["email", "password", "full_name", "role", "phone", "region"]})
            except ValidationFailed as exc:
                for field, msgs in exc.fields.items():
                    for msg in msgs:
                        self.add_error(field if field in self.fields else None, msg)
        return data

    def _post_clean(self):
        # Model validation (the case-insensitive email constraint) is done by user_check_new above.
        pass

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        pass


class UserChangeAdminForm(UserChangeForm):  # DjangoUserAdmin.form
    """A dealer stops being able to buy only through suspension, which withdraws their bids from live auctions and
    tells the sellers concerned. Deactivating a dealer's login, or taking away their dealer role, is refused until
    they are suspended."""

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        user = self.instance
        profile = getattr(user, "dealer_profile", None) if user.pk else None
        if profile is None or profile.status == DealerProfile.Status.SUSPENDED:
            return data
        message = gettext("Suspend this dealer first (Dealer profiles → Suspend selected dealers): that withdraws "
                          "their bids from live auctions and tells the sellers concerned.")
        if user.is_active and data.get("is_active") is False:
            self.add_error("is_active", message)
        if user.role == User.Role.DEALER and data.get("role") not in (None, User.Role.DEALER):
            self.add_error("role", message)
        return data


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff", "dealer_profile__status"]
    search_fields = ["email", "full_name", "phone", "payout_account", "dealer_profile__company_name"]
    readonly_fields = ["date_joined", "last_login", "payout_account", "email_verified_at", "two_factor_enabled"]
    actions = ["two_factor_reset"]
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    change_password_form = AdminPasswordChangeForm
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "phone", "payout_account", "role", "region"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Security"), {"fields": ["email_verified_at", "two_factor_enabled"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "full_name", "phone", "role", "region", "password"]})]

    @admin.action(description=_("Reset two-factor (lost phone and recovery codes): they set it up again"))
    def two_factor_reset(self, request, queryset):
        for user in queryset:
            security.two_factor_reset(user=user, actor=request.user)
        self.message_user(request, gettext("Two-factor is reset for the selected people: their devices and recovery "
                                           "codes are gone; staff and owners set it up again at their next sign-in."))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            services.token_cache_forget(user_ids=[obj.pk])  # deactivated, another role: the API sees it now
            return
        data = form.cleaned_data
        created = services.user_create(
            email=data["email"], password=data["password"], full_name=data["full_name"], role=data["role"],
            phone=data.get("phone", ""), region=data.get("region", ""), actor=request.user,
        )
        # The admin goes on with `obj` (log entry, redirect): make it the saved user.
        obj.__dict__.update(created.__dict__)

    def delete_model(self, request, obj):
        services.token_cache_forget(user_ids=[obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.token_cache_forget(user_ids=list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)



def _verify(*, obj, actor, reason):
    return services.dealer_verify(profile=obj, actor=actor, reason=reason)


def _suspend(*, obj, actor, reason):
    # Suspension withdraws the dealer's bids and tells the sellers concerned: a cross-app workflow that lives in
    # settlement, the highest app (accounts' services know nothing about auctions).
    return dealer_suspend_and_withdraw(profile=obj, actor=actor, reason=reason)


class DealerProfileAdminForm(forms.ModelForm):
    # The individual limit staff set; empty: the limit the dealer's deposit gives (deposit × the published
    # multiple). Written only through the audited service (save_model).
    buying_limit_minor = MoneyField(
        min_minor=0, required=False,
        label=format_lazy(_("Individual buying limit ({currency})"), currency=settings.GAVEL_CURRENCY),
        help_text=_("The dealer's leading bids plus unpaid cars may not exceed their buying limit. An amount like "
                    "50,000.00 sets an individual limit; leave it empty for the limit their deposit gives."))

    class Meta:
        model = DealerProfile
        fields = ["company_name", "trade_licence_number", "address", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["buying_limit_minor"] = self.instance.individual_limit_minor


@admin.register(DealerProfile)
class DealerProfileAdmin(admin.ModelAdmin):
    form = DealerProfileAdminForm
    list_display = ["company_name", "user", "trade_licence_number", "status", "buying_limit", "verified_at",
                    "created_at"]
    list_filter = ["status"]
    search_fields = ["company_name", "trade_licence_number", "user__email", "user__full_name", "phone"]
    list_select_related = ["user"]
    readonly_fields = ["user", "status", "status_reason", "status_changed_at", "status_changed_by", "verified_at",
                       "verified_by", "created_at", "buying_limit", "deposit_limit", "members", "documents"]
    fields = ["user", "company_name", "trade_licence_number", "address", "phone", "buying_limit",
              "deposit_limit", "buying_limit_minor", "status",
              "status_reason", "status_changed_at", "status_changed_by", "verified_at", "verified_by", "created_at",
              "documents", "members"]
    actions = [
        reason_action(name="verify_dealers", description=_("Verify selected dealers"), service=_verify),
        reason_action(name="suspend_dealers", description=_("Suspend selected dealers"), service=_suspend,
                      require_reason=True),
    ]

    buying_limit = money_field("buying_limit_minor", _("buying limit"))
    deposit_limit = money_field("deposit_limit_minor", _("limit the deposit gives"))

    @admin.display(description=_("members"))
    def members(self, obj):
        """The organisation's members, to look at: owners manage them on the organisation page
        (accounts.organisations revokes a removed member's sessions and keys, which an admin edit would not)."""
        rows = obj.memberships.select_related("user").order_by("created_at")
        return format_html_join(mark_safe("<br>"), gettext("{} ({}), since {}"),  # noqa: S308 (a constant)
                                ((m.user.email, m.get_role_display(), m.created_at.date()) for m in rows)) or "—"

    @admin.display(description=_("documents"))
    def documents(self, obj):
        """The dealer's uploads, each with its review state: verification needs an accepted trade licence
        (review them under Dealer documents)."""
        rows = obj.documents.order_by("-uploaded_at")
        return format_html_join(mark_safe("<br>"), '<a href="{}" target="_blank" rel="noopener">{}</a>: {}',  # noqa: S308 (a constant)
                                ((url_for(d.file), d.get_kind_display(), d.get_status_display()) for d in rows)) or "—"

    def has_add_permission(self, request):
        # Dealers register themselves so their licence and contact data come from them.
        return False

    def save_model(self, request, obj, form, change):
        # The buying limit is money-adjacent: it changes only through the audited service.
        new_limit = form.cleaned_data.get("buying_limit_minor")
        other = [f for f in form.changed_data if f != "buying_limit_minor"]
        if other:
            obj.save(update_fields=other)
        if "buying_limit_minor" in form.changed_data:
            services.dealer_set_buying_limit(profile=obj, limit_minor=new_limit, actor=request.user,
                                             reason="Changed in admin")


@admin.register(DealerDocument)
class DealerDocumentAdmin(ReviewedDocumentAdmin):
    list_display = ["profile", *ReviewedDocumentAdmin.list_display[1:]]
    list_select_related = ["profile"]
    search_fields = ["profile__company_name", "profile__user__email"]
    readonly_fields = ["profile", *ReviewedDocumentAdmin.readonly_fields]
    actions = document_review_actions(services.dealer_document_review)


class TokenAdmin(DrfTokenAdmin):
    """DRF's token admin, revoking through accounts.services (the cached lookup is forgotten at once)."""

    def delete_model(self, request, obj):
        services.token_revoke(user=obj.user)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            services.token_revoke(user=token.user)


admin.site.unregister(TokenProxy)
admin.site.register(TokenProxy, TokenAdmin)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Staff see every organisation's keys and revoke any (never the key itself: only its prefix is kept)."""

    list_display = ["name", "prefix", "organisation", "scopes", "created_by", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "organisation__company_name", "created_by__email"]
    list_select_related = ["organisation", "created_by"]
    fields = readonly_fields = ("name", "prefix", "organisation", "scopes", "created_by", "created_at",
                                "last_used_at", "revoked_at", "revoked_by")
    actions = ["revoke_keys"]

    def has_add_permission(self, request):
        return False  # owners make keys; the key is shown to them once

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the record of who had access stays

    @admin.action(description=_("Revoke selected API keys"))
    def revoke_keys(self, request, queryset):
        for key in queryset.select_related("organisation"):
            apikeys.api_key_revoke(key=key, actor=request.user)
        self.message_user(request, gettext("The selected keys are revoked."))
