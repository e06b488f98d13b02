"""Field rules for a listing, shared by the form, the serializer and the services.

Each validator raises django.core.exceptions.ValidationError with a message a seller can act
on; Django forms and DRF fields both understand it. The services run them again and are the
authority (see services._clean).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.money import AMOUNT_MAX_MINOR, Money, amount_too_large_message

VIN_LENGTH = 17
FIRST_YEAR = 1950
MAX_MILEAGE_KM = 2_000_000
MAX_PREVIOUS_OWNERS = 50

# ISO 3779 / 49 CFR 565: letters map to digits (I, O, Q never occur), positions are weighted,
# the weighted sum mod 11 is the check character at position 9 ("X" for 10).
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_ALLOWED = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
# World manufacturer identifiers starting 1-5 are North American, where the check digit is mandatory.
_NORTH_AMERICAN_WMI = "12345"

_PLATE = re.compile(r"[A-Z0-9ÄÖÜ][A-Z0-9ÄÖÜ -]{0,14}")
_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 -]{1,9}")


def vin_normalise(raw) -> str:
    """Upper case, without the spaces and dashes people type between groups."""
    return re.sub(r"[\s-]", "", str(raw or "")).upper()


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value) -> None:
    vin = vin_normalise(value)
    if not vin:
        raise ValidationError(_("Enter the VIN (17 characters, on the registration document)."), code="required")
    if set(vin) & set("IOQ"):
        raise ValidationError(_("A VIN never contains the letters I, O or Q: check for 1 and 0."), code="vin_letters")
    if len(vin) != VIN_LENGTH:
        raise ValidationError(_("A VIN has exactly 17 characters; this one has %(length)s.") % {"length": len(vin)},
                              code="vin_length")
    if not _VIN_ALLOWED.fullmatch(vin):
        raise ValidationError(_("A VIN has only letters and digits."), code="vin_characters")
    if vin[0] in _NORTH_AMERICAN_WMI and vin[8] != vin_check_digit(vin):
        raise ValidationError(_("The check digit (9th character) does not match: please check the VIN for a typo."),
                              code="vin_check_digit")


def plate_normalise(raw) -> str:
    return re.sub(r"\s+", " ", str(raw or "").strip()).upper()


def validate_registration_plate(value) -> None:
    plate = plate_normalise(value)
    if not _PLATE.fullmatch(plate):
        raise ValidationError(_("Enter the registration plate as shown on the car (letters, digits, spaces, dashes; "
                                "at most 15 characters)."), code="plate")


def postcode_normalise(raw) -> str:
    return re.sub(r"\s+", " ", str(raw or "").strip()).upper()


def validate_postcode(value) -> None:
    if not _POSTCODE.fullmatch(postcode_normalise(value)):
        raise ValidationError(_("Enter a postcode (2–10 letters or digits)."), code="postcode")


def _whole_number(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        messages = {
            "year": _("Enter the year as a whole number."),
            "mileage": _("Enter the mileage as a whole number."),
            "number of previous owners": _("Enter the number of previous owners as a whole number."),
            "price": _("Enter the price as a whole number."),
        }
        raise ValidationError(messages[what], code="not_integer")
    return value


def last_allowed_year() -> int:
    return timezone.localdate().year + 1


def validate_first_registration_year(value) -> None:
    year = _whole_number(value, "year")
    if not FIRST_YEAR <= year <= last_allowed_year():
        raise ValidationError(_("Enter a year between %(first)s and %(last)s.")
                              % {"first": FIRST_YEAR, "last": last_allowed_year()}, code="year_range")


def validate_mileage_km(value) -> None:
    km = _whole_number(value, "mileage")
    if not 0 <= km <= MAX_MILEAGE_KM:
        most = number_format(MAX_MILEAGE_KM, force_grouping=True)
        raise ValidationError(_("Enter the mileage in km, between 0 and %(most)s.") % {"most": most},
                              code="mileage_range")


def validate_previous_owners(value) -> None:
    owners = _whole_number(value, "number of previous owners")
    if not 0 <= owners <= MAX_PREVIOUS_OWNERS:
        raise ValidationError(_("Enter a number of previous owners between 0 and %(most)s.")
                              % {"most": MAX_PREVIOUS_OWNERS},
                              code="owners_range")


def validate_price_minor(value) -> None:
    amount = _whole_number(value, "price")
    if amount <= 0:
        raise ValidationError(_("Enter a price above zero."), code="price_not_positive")
    if amount > AMOUNT_MAX_MINOR:
        raise ValidationError(amount_too_large_message(), code="price_too_large")


def validate_reserve_minor(value) -> None:
    validate_price_minor(value)
    ceiling = settings.GAVEL_RESERVE_CEILING_MINOR
    if value > ceiling:
        raise ValidationError(
            _("The reserve may be at most %(ceiling)s; contact us for a higher one.")
            % {"ceiling": Money.of(ceiling).format(show_minor=False)},
            code="reserve_ceiling",
        )
