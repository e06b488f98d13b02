from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from auctions.selectors import SORTS
from core.money import AMOUNT_MAX_MINOR, Money
from marketplace.validators import MAX_MILEAGE_KM


class AuctionFilterForm(forms.Form):
    """The dashboard's filters; prices are typed in whole currency units and handed on in minor units."""

    make = forms.CharField(required=False, max_length=60)
    model = forms.CharField(required=False, max_length=80)
    year_min = forms.IntegerField(required=False, min_value=1950, max_value=2100, label=_("Year from"))
    year_max = forms.IntegerField(required=False, min_value=1950, max_value=2100, label=_("Year to"))
    mileage_max = forms.IntegerField(required=False, min_value=0, max_value=MAX_MILEAGE_KM,
                                     label=_("Max. mileage (km)"))
    # Django compares max_value with any number (here a Decimal in major units); the stubs ask for an int.
    price_min = forms.IntegerField(required=False, min_value=0, max_value=Money.of(AMOUNT_MAX_MINOR).major,  # type: ignore[arg-type]
                                   label=format_lazy(_("Price from ({currency})"), currency=settings.GAVEL_CURRENCY))
    price_max = forms.IntegerField(required=False, min_value=0, max_value=Money.of(AMOUNT_MAX_MINOR).major,  # type: ignore[arg-type]
                                   label=format_lazy(_("Price to ({currency})"), currency=settings.GAVEL_CURRENCY))
    grade = forms.CharField(required=False, max_length=20)
    location = forms.CharField(required=False, max_length=100, label=_("City or postcode area"),
                               help_text=_("One or more, separated by commas: Berlin, Potsdam, 14"))
    sort = forms.ChoiceField(required=False, choices=[
        ("ending_soonest", _("Ending soonest")), ("newest", _("Newest")), ("price_asc", _("Price: low to high")),
        ("price_desc", _("Price: high to low"))])

    def filters(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        for name in ("price_min", "price_max"):
            if name in data:
                data[name] = Money.from_major(data[name]).amount_minor
        if data.get("sort") not in SORTS:
            data.pop("sort", None)
        return data


class BidForm(forms.Form):
    """What either bid-box form posts: "Bid €X now" a hidden `amount_minor`, "Set a maximum" `max_amount` in whole
    currency units. Exactly one of them."""

    amount_minor = forms.IntegerField(required=False, min_value=1, max_value=AMOUNT_MAX_MINOR,
                                      error_messages={"invalid": _("That bid amount was not a number.")})
    max_amount = forms.DecimalField(required=False, min_value=1, max_value=Money.of(AMOUNT_MAX_MINOR).major,
                                    decimal_places=2,
                                    error_messages={"invalid": _("Enter your maximum as an amount, e.g. 12500.")})

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if not self.errors and (data.get("amount_minor") is None) == (data.get("max_amount") is None):
            raise forms.ValidationError(_("Bid the amount shown, or enter your maximum as an amount, e.g. 12500."))
        return data

    def amounts(self) -> dict:
        if self.cleaned_data.get("amount_minor") is not None:
            return {"amount_minor": self.cleaned_data["amount_minor"]}
        return {"max_amount_minor": Money.from_major(self.cleaned_data["max_amount"]).amount_minor}


class CounterOfferForm(forms.Form):
    """The seller's counter-offer, in whole currency units."""

    amount = forms.DecimalField(min_value=1, max_value=Money.of(AMOUNT_MAX_MINOR).major, decimal_places=2,
                                label=format_lazy(_("Your price ({currency})"), currency=settings.GAVEL_CURRENCY),
                                error_messages={"invalid": _("Enter your price as an amount, e.g. 12500."),
                                                "required": _("Enter your price.")})

    def amount_minor(self) -> int:
        return Money.from_major(self.cleaned_data["amount"]).amount_minor
