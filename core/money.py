"""Money as integer minor units plus an ISO 4217 currency. Never a float."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern, get_currency_symbol, parse_pattern
from django.conf import settings
from django.utils.translation import get_language, gettext, to_locale

# Digits after the decimal point, per ISO 4217, for the currencies we format.
MINOR_DIGITS = {"EUR": 2, "GBP": 2, "USD": 2, "CHF": 2, "PLN": 2, "SEK": 2, "CZK": 2, "JPY": 0, "CNY": 2}

# The largest amount Gavel takes from anyone (a price, a bid, a limit, a payment), in minor units: far above any
# car, and far enough below PostgreSQL's bigint (9.2 × 10^18) that sums of amounts (a dealer's commitments, a
# ledger balance) cannot overflow either. Every amount field bounds its input with it, in the serializer or form
# and again in the service.
AMOUNT_MAX_MINOR = 100_000_000_00


def amount_too_large_message() -> str:
    return gettext("Enter at most %(amount)s.") % {"amount": Money.of(AMOUNT_MAX_MINOR).format(show_minor=False)}


@functools.cache
def _babel_locale(language: str | None) -> Locale:
    try:
        return Locale.parse(to_locale(language or settings.LANGUAGE_CODE))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(to_locale(settings.LANGUAGE_CODE))


@functools.cache
def _pattern(language: str | None, *, whole_only: bool) -> NumberPattern:
    """The language's currency pattern (CLDR), without the fraction part for whole amounts shown without it; parsed
    once (babel.numbers.format_currency would parse it on every call)."""
    pattern = _babel_locale(language).currency_formats["standard"].pattern
    return parse_pattern(pattern.replace(".00", "") if whole_only else pattern)


def currency_symbol(currency: str, language: str | None = None) -> str:
    """The currency's sign in the active language: € for EUR, JP¥ for JPY in English."""
    return get_currency_symbol(currency, locale=_babel_locale(language or get_language()))


def default_currency() -> str:
    return settings.GAVEL_CURRENCY


def minor_digits(currency: str) -> int:
    try:
        return MINOR_DIGITS[currency]
    except KeyError:
        raise ValueError(f"Unsupported currency {currency!r}")


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self):
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise TypeError(f"Money needs an int of minor units, got {type(self.amount_minor).__name__}")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"Currency must be an ISO 4217 code, got {self.currency!r}")
        minor_digits(self.currency)

    # constructors
    @classmethod
    def of(cls, amount_minor: int, currency: str | None = None) -> Money:
        return cls(amount_minor, currency or default_currency())

    @classmethod
    def zero(cls, currency: str | None = None) -> Money:
        return cls.of(0, currency)

    @classmethod
    def from_major(cls, amount: str | int | Decimal, currency: str | None = None) -> Money:
        """Parse whole/decimal currency units ("12500", "12500.50") exactly."""
        currency = currency or default_currency()
        if isinstance(amount, float):
            raise TypeError("Money.from_major refuses floats; pass a string or Decimal")
        try:
            value = Decimal(str(amount).strip().replace(",", "").replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"Not an amount: {amount!r}")
        if not value.is_finite() or value.adjusted() > 30:  # 1e999999999 would overflow decimal arithmetic
            raise ValueError(f"Not an amount: {str(amount)[:40]!r}")
        digits = minor_digits(currency)
        scaled = value.scaleb(digits)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount!r} has more than {digits} decimal places")
        return cls(int(scaled), currency)

    # arithmetic
    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"Currency mismatch: {self.currency} and {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount_minor + self._check(other).amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount_minor - self._check(other).amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int; use percent_of for rates")
        return Money(self.amount_minor * factor, self.currency)

    __rmul__ = __mul__

    def percent_of(self, basis_points: int) -> Money:
        """basis_points/10000 of this amount, rounded half up to the minor unit."""
        value = (Decimal(self.amount_minor) * basis_points / Decimal(10000)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return Money(int(value), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount_minor < self._check(other).amount_minor

    def __le__(self, other: Money) -> bool:
        return self.amount_minor <= self._check(other).amount_minor

    def __gt__(self, other: Money) -> bool:
        return self.amount_minor > self._check(other).amount_minor

    def __ge__(self, other: Money) -> bool:
        return self.amount_minor >= self._check(other).amount_minor

    def __bool__(self) -> bool:
        return self.amount_minor != 0

    # formatting
    @property
    def major(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-minor_digits(self.currency))

    def format(self, *, show_minor: bool = True, language: str | None = None) -> str:
        """The amount as people read it in the active language (or `language`): €12,500.00 in English,
        12.500,00 € in German. show_minor=False drops the minor digits when they are zero."""
        digits = minor_digits(self.currency)
        whole_only = not show_minor and self.amount_minor % (10**digits) == 0
        language = language or get_language()
        return _pattern(language, whole_only=whole_only).apply(
            self.major, _babel_locale(language), currency=self.currency, currency_digits=not whole_only)

    def __str__(self) -> str:
        return self.format()
