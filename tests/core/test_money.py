from decimal import Decimal

import pytest

from core.money import Money


def test_money_adds_and_subtracts_in_minor_units():
    assert Money.of(1050, "EUR") + Money.of(250, "EUR") == Money.of(1300, "EUR")
    assert Money.of(1050, "EUR") - Money.of(2000, "EUR") == Money.of(-950, "EUR")
    assert Money.of(1050, "EUR") * 3 == Money.of(3150, "EUR")


def test_money_refuses_floats_and_mixed_currencies():
    # Floats on purpose: the refusal is what is tested (the checker refuses them too).
    with pytest.raises(TypeError):
        Money(10.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of(100, "EUR") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money.from_major(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money.of(100, "EUR") + Money.of(100, "GBP")
    with pytest.raises(ValueError):
        Money(100, "eur")


def test_money_parses_major_units_exactly():
    assert Money.from_major("12500", "EUR") == Money.of(12_500_00, "EUR")
    assert Money.from_major("0.10", "EUR").amount_minor == 10
    assert Money.from_major("1,234.56", "EUR").amount_minor == 123456
    assert Money.from_major("500", "JPY").amount_minor == 500
    with pytest.raises(ValueError):
        Money.from_major("1.005", "EUR")
    with pytest.raises(ValueError):
        Money.from_major("abc", "EUR")
    with pytest.raises(ValueError):
        Money.from_major("NaN", "EUR")


def test_money_formats_with_symbol_and_grouping():
    assert Money.of(1234567, "EUR").format() == "€12,345.67"
    assert Money.of(-5, "EUR").format() == "-€0.05"
    assert Money.of(1_500_000, "EUR").format(show_minor=False) == "€15,000"
    assert Money.of(1234, "JPY").format() == "JP¥1,234"  # CLDR's British English: the yen told from the yuan
    assert Money.of(1234, "CHF").format() == "CHF12.34"
    assert Money.of(1234567, "EUR").major == Decimal("12345.67")


def test_money_is_formatted_for_the_readers_language():
    from django.utils import translation

    with translation.override("de"):
        assert Money.of(1234567, "EUR").format() == "12.345,67\xa0€"
        assert Money.of(1_500_000, "EUR").format(show_minor=False) == "15.000\xa0€"
        assert Money.of(1_500_050, "EUR").format(show_minor=False) == "15.000,50\xa0€"  # minor digits kept
    with translation.override("zh-hans"):
        assert Money.of(1234567, "EUR").format() == "€12,345.67"
    assert Money.of(1234567, "EUR").format(language="de") == "12.345,67\xa0€"


def test_percent_rounds_half_up_to_the_minor_unit():
    assert Money.of(1001, "EUR").percent_of(250) == Money.of(25, "EUR")  # 25.025 -> 25
    assert Money.of(1002, "EUR").percent_of(250) == Money.of(25, "EUR")  # 25.05 -> 25
    assert Money.of(1020, "EUR").percent_of(250) == Money.of(26, "EUR")  # 25.5 -> 26


def test_currency_defaults_to_the_setting(settings):
    settings.GAVEL_CURRENCY = "GBP"
    assert Money.of(100).currency == "GBP"
