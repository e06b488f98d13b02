import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace import validators


@pytest.mark.parametrize("vin", [
    "1HGCM82633A004352",  # North American, check digit 3
    "11111111111111111",  # the classic all-ones VIN: check digit 1
    "1M8GDM9AXKP042788",  # check digit X
    "WVWZZZ1KZAW000001",  # European: no check digit required
    "VF1RFB00X56412345",
])
def test_valid_vins_pass(vin):
    validators.validate_vin(vin)


def test_vin_is_normalised_to_upper_case_without_spaces_and_dashes():
    assert validators.vin_normalise(" wvwzzz1kz-aw 000001 ") == "WVWZZZ1KZAW000001"
    validators.validate_vin("1hgcm82633a004352")


@pytest.mark.parametrize(("vin", "code"), [
    ("", "required"),
    ("WVWZZZ1KZAW00001", "vin_length"),
    ("WVWZZZ1KZAW0000011", "vin_length"),
    ("WVWZZZ1KZAW00000I", "vin_letters"),
    ("WVWZZZ1KZOW000001", "vin_letters"),
    ("QVWZZZ1KZAW000001", "vin_letters"),
    ("WVWZZZ1KZAW00000*", "vin_characters"),
    ("1HGCM82634A004352", "vin_check_digit"),  # one digit off at position 9
    ("1HGCM82633A004353", "vin_check_digit"),  # typo elsewhere changes the expected check digit
])
def test_bad_vins_are_refused_with_a_reason(vin, code):
    with pytest.raises(ValidationError) as caught:
        validators.validate_vin(vin)
    assert caught.value.code == code


def test_check_digit_is_only_enforced_for_north_american_vins():
    # Same body as a failing North American VIN, but a European world manufacturer identifier.
    validators.validate_vin("WHGCM82634A004352")


def test_vin_check_digit_follows_iso_3779():
    assert validators.vin_check_digit("1HGCM82603A004352") == "3"
    assert validators.vin_check_digit("1M8GDM9A0KP042788") == "X"


def test_year_must_be_between_1950_and_next_year():
    next_year = timezone.localdate().year + 1
    validators.validate_first_registration_year(1950)
    validators.validate_first_registration_year(next_year)
    for bad in (1949, next_year + 1, "2015", 2015.0, True):
        with pytest.raises(ValidationError):
            validators.validate_first_registration_year(bad)


def test_mileage_must_be_between_zero_and_two_million_km():
    validators.validate_mileage_km(0)
    validators.validate_mileage_km(2_000_000)
    for bad in (-1, 2_000_001, "100", 1.5):
        with pytest.raises(ValidationError):
            validators.validate_mileage_km(bad)


def test_prices_are_positive_whole_minor_units():
    validators.validate_price_minor(1)
    for bad in (0, -100, 10.5, "1000", None, False):
        with pytest.raises(ValidationError):
            validators.validate_price_minor(bad)


def test_reserve_may_not_exceed_the_configured_ceiling(settings):
    settings.GAVEL_RESERVE_CEILING_MINOR = 100_000_00
    validators.validate_reserve_minor(100_000_00)
    with pytest.raises(ValidationError) as caught:
        validators.validate_reserve_minor(100_000_01)
    assert "€100,000" in caught.value.messages[0]


def test_plates_and_postcodes_are_checked_loosely():
    validators.validate_registration_plate("b-gv 1101")
    validators.validate_postcode("10115")
    validators.validate_postcode("SW1A 1AA")
    for bad in ("", "!!", "X" * 20):
        with pytest.raises(ValidationError):
            validators.validate_registration_plate(bad)
    with pytest.raises(ValidationError):
        validators.validate_postcode("1")
