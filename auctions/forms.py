from django import forms
from django.conf import settings

from auctions.selectors import SORTS
from core.money import Money


class AuctionFilterForm(forms.Form):
    """The dashboard's filters; prices are typed in whole currency units and handed on in minor units."""

    make = forms.CharField(required=False, max_length=60)
    model = forms.CharField(required=False, max_length=80)
    year_min = forms.IntegerField(required=False, min_value=1950, max_value=2100, label="Year from")
    year_max = forms.IntegerField(required=False, min_value=1950, max_value=2100, label="Year to")
    mileage_max = forms.IntegerField(required=False, min_value=0, label="Max. mileage (km)")
    price_min = forms.IntegerField(required=False, min_value=0, label=f"Price from ({settings.GAVEL_CURRENCY})")
    price_max = forms.IntegerField(required=False, min_value=0, label=f"Price to ({settings.GAVEL_CURRENCY})")
    grade = forms.CharField(required=False, max_length=20)
    location = forms.CharField(required=False, max_length=100, label="City or postcode")
    sort = forms.ChoiceField(required=False, choices=[
        ("ending_soonest", "Ending soonest"), ("newest", "Newest"), ("price_asc", "Price: low to high"),
        ("price_desc", "Price: high to low")])

    def filters(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        for name in ("price_min", "price_max"):
            if name in data:
                data[name] = Money.from_major(data[name]).amount_minor
        if data.get("sort") not in SORTS:
            data.pop("sort", None)
        return data


class MaxBidForm(forms.Form):
    max_amount = forms.DecimalField(min_value=1, max_digits=12, decimal_places=2,
                                    label=f"Your maximum ({settings.GAVEL_CURRENCY})")

    def max_amount_minor(self) -> int:
        return Money.from_major(self.cleaned_data["max_amount"]).amount_minor
