from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from core.i18n import in_language_of


class SignupForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 10 characters; not a common or all-numeric password."))
    password_confirm = forms.CharField(label=_("Password again"),
                                       widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("The two passwords differ."))
        return data


class DealerSignupForm(SignupForm):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    trade_licence_number = forms.CharField(label=_("Trade licence number"), max_length=64)
    address = forms.CharField(label=_("Company address"), widget=forms.Textarea(attrs={"rows": 3}))
    phone = forms.CharField(label=_("Company phone"), max_length=32)

    field_order = ["company_name", "trade_licence_number", "address", "phone", "full_name", "email",
                   "password", "password_confirm"]


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autofocus": True,
                                                                                        "autocomplete": "email"}))


class PasswordResetInLanguageForm(PasswordResetForm):
    """Django's reset form, its email written in the account's own language (not the requester's)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with in_language_of(context["user"]):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}),
                           help_text=_("The 6 digits your authenticator app shows now, or one of your recovery codes."))


class TwoFactorDisableForm(forms.Form):
    current_password = forms.CharField(label=_("Current password"), strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(label=_("Code from your app"), max_length=32,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PayoutAccountForm(forms.Form):
    payout_account = forms.CharField(
        label="IBAN", max_length=50,
        help_text=_("Where Gavel pays you. Nobody may bid on a car sold by someone with the same payout account."))
    current_password = forms.CharField(label=_("Current password"), strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=32, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
                           help_text=_("The 6 digits your app shows now (or a recovery code)."))

    def __init__(self, *args, needs_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["code"]


class ReasonForm(forms.Form):
    """The admin's intermediate page for an action that needs a reason."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=[("buyer", _("Buyer: bids")),
                                                      ("accounts", _("Accounts: pays, sees invoices")),
                                                      ("owner", _("Owner: everything, manages members and keys"))])


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. the system that will use it"))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple,
                                       choices=[("read", "read"), ("bid", "bid"), ("pay", "pay"),
                                                ("webhooks", "webhooks")])


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 10 characters; not a common or all-numeric password."))
