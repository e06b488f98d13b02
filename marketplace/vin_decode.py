"""What a VIN says about the car without asking anyone: the manufacturer and country (from the WMI, its first three
characters) and the model year where the VIN encodes it unambiguously (the 10th character repeats every 30 years;
North-American VINs, which carry a check digit, tell the cycle). Decoded offline by `vininfo`; the seller confirms
or corrects what the wizard pre-fills."""

from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from django.utils import translation
from vininfo import Vin
from vininfo.exceptions import ValidationError as VinInvalid


@dataclass(frozen=True)
class VinFacts:
    make: str = ""
    country: str = ""
    model_year: int | None = None


def vin_decode(vin: str) -> VinFacts:
    """The facts the VIN encodes; empty ones when it encodes nothing we can trust (or is no VIN at all)."""
    text = (vin or "").strip().upper()
    if len(text) != 17:
        return VinFacts()
    try:
        decoded = Vin(text)
        make = decoded.manufacturer or ""
        country = decoded.country or ""
        years = list(decoded.years or [])
    except (VinInvalid, KeyError, ValueError, TypeError, AttributeError):
        return VinFacts()
    make = "" if make.lower().startswith("unsupported") else make
    return VinFacts(make=make, country=country, model_year=years[0] if len(years) == 1 else None)


@cache
def _territory_codes() -> dict[str, str]:
    return {name: code for code, name in Locale("en").territories.items()}


def country_name(country: str, language: str | None = None) -> str:
    """`country` (vininfo's English name) in `language` (the active one by default) by CLDR; as it is when CLDR
    does not know it."""
    code = _territory_codes().get(country)
    if not code:
        return country
    try:
        locale = Locale.parse(translation.to_locale(language or translation.get_language() or "en"))
    except (UnknownLocaleError, ValueError):
        return country
    return locale.territories.get(code) or country
