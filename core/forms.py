"""Form fields shared by the pages and admin."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.money import AMOUNT_MAX_MINOR, Money, default_currency, minor_digits


class MoneyField(forms.CharField):
    """An amount a person types and reads as money ("12,500.00" or "12500") in the site's currency; cleaned to
    integer minor units, shown back as money, never as minor units."""

    def __init__(self, *, currency: str | None = None, min_minor: int | None = 0, max_minor: int = AMOUNT_MAX_MINOR,
                 **kwargs):
        self.currency = currency
        self.min_minor, self.max_minor = min_minor, max_minor
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def _currency(self) -> str:
        return self.currency or default_currency()

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            digits = minor_digits(self._currency())
            return format(Decimal(value).scaleb(-digits), f",.{digits}f")
        return value

    def to_python(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        digits = minor_digits(self._currency())
        try:
            amount = Money.from_major(text, self._currency()).amount_minor
        except ValueError as exc:
            if "decimal places" in str(exc):
                raise ValidationError(_("This amount has more than %(digits)s decimal places.") % {"digits": digits},
                                      code="decimals")
            example = format(Decimal(12_500), f",.{digits}f")
            raise ValidationError(_("An amount like %(example)s.") % {"example": example}, code="invalid")
        if self.min_minor is not None and amount < self.min_minor:
            raise ValidationError(_("The amount cannot be negative.") if self.min_minor == 0 else
                                  _("At least %(amount)s.") % {
                                      "amount": Money(self.min_minor, self._currency()).format()},
                                  code="min")
        if amount > self.max_minor:
            raise ValidationError(_("At most %(amount)s.") % {
                "amount": Money(self.max_minor, self._currency()).format()},
                                  code="max")
        return amount
