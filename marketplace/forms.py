"""The create/edit wizard's three steps and the photo upload. Field names match the services' names,
so a service's field errors land on the right input (core.api.form_errors_from)."""

from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT_MAX_MINOR, Money, currency_symbol
from marketplace import validators
from marketplace.models import Listing

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_CAPS = {"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
_NUMBER = {"inputmode": "numeric"}


class ListingIdentityForm(forms.Form):
    vin = forms.CharField(
        label=_("VIN"), max_length=40, validators=[validators.validate_vin],
        help_text=_("17 characters, on the registration document and at the bottom of the windscreen."),
        widget=forms.TextInput(attrs=_CAPS),
    )
    registration_plate = forms.CharField(label=_("Registration plate"), max_length=40,
                                         validators=[validators.validate_registration_plate],
                                         widget=forms.TextInput(attrs=_CAPS))
    make = forms.CharField(label=_("Make"), max_length=60,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. Volkswagen")}))
    model = forms.CharField(label=_("Model"), max_length=80,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. Golf")}))
    variant = forms.CharField(label=_("Variant"), max_length=120, required=False,
                              widget=forms.TextInput(attrs={"placeholder": _("e.g. 1.5 TSI Life")}))
    first_registration_year = forms.IntegerField(
        label=_("First registered (year)"), validators=[validators.validate_first_registration_year],
        widget=forms.NumberInput(attrs={**_NUMBER, "min": validators.FIRST_YEAR}),
    )


class ListingDetailsForm(forms.Form):
    mileage_km = forms.IntegerField(label=_("Mileage (km)"), validators=[validators.validate_mileage_km],
                                    widget=forms.NumberInput(attrs={**_NUMBER, "min": 0}))
    fuel = forms.ChoiceField(label=_("Fuel"), choices=[("", _("Choose…")), *Listing.Fuel.choices])
    transmission = forms.ChoiceField(label=_("Transmission"),
                                     choices=[("", _("Choose…")), *Listing.Transmission.choices])
    body_type = forms.ChoiceField(label=_("Body type"), choices=[("", _("Choose…")), *Listing.BodyType.choices])
    colour = forms.CharField(label=_("Colour"), max_length=40)
    previous_owners = forms.IntegerField(label=_("Previous owners"), validators=[validators.validate_previous_owners],
                                         help_text=_("Owners before you."),
                                         widget=forms.NumberInput(attrs={**_NUMBER, "min": 0}))
    service_history = forms.TypedChoiceField(
        label=_("Full service history?"), choices=[("yes", _("Yes")), ("no", _("No or partial"))],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect(attrs={"class": "choice"}),
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=20, validators=[validators.validate_postcode],
                               widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    city = forms.CharField(label=_("City"), max_length=100,
                           widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Extras, recent work, known faults. Honest descriptions get better bids."),
    )


def _currency_label(text: "StrOrPromise") -> "StrOrPromise":
    currency = settings.GAVEL_CURRENCY
    return format_lazy("{text} ({symbol})", text=text, symbol=currency_symbol(currency))


class ListingPricesForm(forms.Form):
    """Whole currency units on the page; integer minor units in cleaned_data."""

    reserve_minor = forms.IntegerField(
        min_value=1, widget=forms.NumberInput(attrs={**_NUMBER, "min": 1, "step": 1}),
        help_text=_("The least you will accept. Private: dealers never see it. Below it, the decision is yours."),
    )
    asking_price_minor = forms.IntegerField(
        min_value=1, required=False, widget=forms.NumberInput(attrs={**_NUMBER, "min": 1, "step": 1}),
        help_text=_("Optional: what you hope to get."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reserve_minor"].label = _currency_label(_("Reserve price"))
        self.fields["asking_price_minor"].label = _currency_label(_("Asking price"))

    @staticmethod
    def to_major(amount_minor):
        if amount_minor is None:
            return None
        major = Money.of(amount_minor).major
        return int(major) if major == major.to_integral_value() else major

    def _minor(self, name, validator):
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        amount = Money.from_major(value).amount_minor
        try:
            validator(amount)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages)
        return amount

    def clean_reserve_minor(self):
        return self._minor("reserve_minor", validators.validate_reserve_minor)

    def clean_asking_price_minor(self):
        return self._minor("asking_price_minor", validators.validate_price_minor)


STEPS = {
    1: (_("Your car"), ListingIdentityForm),
    2: (_("Condition & details"), ListingDetailsForm),
    3: (_("Price"), ListingPricesForm),
}


def initial_for(listing: Listing, form_class) -> dict:
    initial = {name: getattr(listing, name) for name in form_class.base_fields}
    if "service_history" in initial and initial["service_history"] is not None:
        initial["service_history"] = "yes" if initial["service_history"] else "no"
    for name in ("reserve_minor", "asking_price_minor"):
        if name in initial:
            initial[name] = ListingPricesForm.to_major(initial[name])
    return initial


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Cleans to a list of uploaded files (one <input type=file multiple>)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, (list, tuple)) and data:
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)]


class PhotoUploadForm(forms.Form):
    photos = MultipleFileField(
        label=_("Add photos"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "data-photo-input": ""}),
        help_text=_("JPEG, PNG or WebP, up to 15 MB each. Front, back, both sides, interior, dashboard with mileage."),
    )


class RelistForm(forms.Form):
    """The seller's new reserve and starting price for another auction, in whole currency units."""

    reserve = forms.DecimalField(min_value=1, max_value=Money.of(AMOUNT_MAX_MINOR).major, decimal_places=2,
                                 label=format_lazy(_("New reserve ({currency})"), currency=settings.GAVEL_CURRENCY),
                                 error_messages={"invalid": _("Enter the reserve as an amount, e.g. 12500.")})
    starting_price = forms.DecimalField(min_value=1, max_value=Money.of(AMOUNT_MAX_MINOR).major, decimal_places=2,
                                        label=format_lazy(_("Starting price ({currency})"),
                                                          currency=settings.GAVEL_CURRENCY),
                                        error_messages={"invalid": _("Enter the starting price as an amount.")})

    def amounts_minor(self) -> dict:
        return {"reserve_minor": Money.from_major(self.cleaned_data["reserve"]).amount_minor,
                "starting_price_minor": Money.from_major(self.cleaned_data["starting_price"]).amount_minor}
