from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignupForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="Email address", max_length=254)
    phone = forms.CharField(label="Phone", max_length=32, required=False)
    password = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="At least 10 characters; not a common or all-numeric password.")
    password_confirm = forms.CharField(label="Password again",
                                       widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", "The two passwords differ.")
        return data


class DealerSignupForm(SignupForm):
    company_name = forms.CharField(label="Company name", max_length=200)
    trade_licence_number = forms.CharField(label="Trade licence number", max_length=64)
    address = forms.CharField(label="Company address", widget=forms.Textarea(attrs={"rows": 3}))
    phone = forms.CharField(label="Company phone", max_length=32)

    field_order = ["company_name", "trade_licence_number", "address", "phone", "full_name", "email",
                   "password", "password_confirm"]


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autofocus": True,
                                                                                        "autocomplete": "email"}))


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    phone = forms.CharField(label="Phone", max_length=32, required=False)


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(label="Code", max_length=32,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}),
                           help_text="The 6 digits your authenticator app shows now, or one of your recovery codes.")


class TwoFactorDisableForm(forms.Form):
    current_password = forms.CharField(label="Current password", strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(label="Code from your app", max_length=32,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PayoutAccountForm(forms.Form):
    payout_account = forms.CharField(
        label="IBAN", max_length=50,
        help_text="Where Gavel pays you. Nobody may bid on a car sold by someone with the same payout account.")
    current_password = forms.CharField(label="Current password", strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(label="Code from your authenticator app", max_length=32, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
                           help_text="The 6 digits your app shows now (or a recovery code).")

    def __init__(self, *args, needs_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["code"]


class ReasonForm(forms.Form):
    """The admin's intermediate page for an action that needs a reason."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=[("buyer", "Buyer: bids"),
                                                   ("accounts", "Accounts: pays, sees invoices"),
                                                   ("owner", "Owner: everything, manages members and keys")])


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="e.g. the system that will use it")
    scopes = forms.MultipleChoiceField(label="Scopes", widget=forms.CheckboxSelectMultiple,
                                       choices=[("read", "read"), ("bid", "bid"), ("pay", "pay"),
                                                ("webhooks", "webhooks")])


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    password = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="At least 10 characters; not a common or all-numeric password.")
