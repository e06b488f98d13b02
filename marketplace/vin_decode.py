"""What a VIN says about the car without asking anyone: the manufacturer and country (from the WMI, its first three
characters) and the model year where the VIN encodes it unambiguously (the 10th character repeats every 30 years;
North-American VINs, which carry a check digit, tell the cycle). Decoded offline by `vininfo`; the seller confirms
or corrects what the wizard pre-fills."""

from dataclasses import dataclass

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
