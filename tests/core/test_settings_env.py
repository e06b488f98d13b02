"""The environment layer every setting is read through (config/settings/env.py): each type, good and bad values,
and the refusal naming the variable."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import (
    EnvironmentInvalid,
    duration_parse,
    env_bool,
    env_choice,
    env_currency,
    env_duration,
    env_duration_count,
    env_int,
    env_json,
    env_list,
    env_money_minor,
    env_rate,
    env_str,
)
from core.money import AMOUNT_MAX_MINOR

NAME = "GAVEL_TEST_VALUE"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv("GAVEL_TEST_OLD_NAME", raising=False)

    def set_(value: str, name: str = NAME):
        monkeypatch.setenv(name, value)

    return set_


def refused(reader, *args, **kwargs) -> str:
    with pytest.raises(EnvironmentInvalid) as raised:
        reader(NAME, *args, **kwargs)
    assert isinstance(raised.value, ImproperlyConfigured)  # Django's own refusal to start
    message = str(raised.value)
    assert message.startswith(f"{NAME} ")
    return message


def test_an_unset_or_empty_variable_gives_the_default(env):
    assert env_str(NAME, "fallback") == "fallback"
    assert env_int(NAME, 7) == 7
    env("   ")
    assert env_bool(NAME, True) is True
    assert env_list(NAME, ["a"]) == ["a"]
    assert env_json(NAME, None) is None


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("YES", True), (" on ", True),
                                               ("0", False), ("false", False), ("No", False), ("off", False)])
def test_booleans_read_the_usual_spellings(env, raw, expected):
    env(raw)
    assert env_bool(NAME, not expected) is expected


@pytest.mark.parametrize("raw", ["2", "enabled", "y-e-s"])
def test_a_boolean_that_is_neither_is_refused(env, raw):
    env(raw)
    assert f"not {raw!r}" in refused(env_bool, False)


def test_integers_are_whole_numbers_within_their_bounds(env):
    env(" 42 ")
    assert env_int(NAME, 0, minimum=1, maximum=100) == 42
    env("4.5")
    assert refused(env_int, 0) == f"{NAME} must be a whole number, not '4.5'"
    env("0")
    assert refused(env_int, 5, minimum=1) == f"{NAME} must be a whole number ≥ 1, not 0"
    env("70000")
    assert refused(env_int, 25, minimum=1, maximum=65535) == f"{NAME} must be a whole number from 1 to 65535, not 70000"


def test_lists_are_comma_separated_without_blanks(env):
    env(" gavel.example, ,www.gavel.example ,")
    assert env_list(NAME, []) == ["gavel.example", "www.gavel.example"]


def test_a_choice_is_one_of_its_values(env):
    env("WARNING")
    assert env_choice(NAME, "INFO", ("INFO", "WARNING")) == "WARNING"
    env("LOUD")
    assert refused(env_choice, "INFO", ("INFO", "WARNING")) == f"{NAME} must be one of INFO, WARNING, not 'LOUD'"


def test_money_is_whole_minor_units_up_to_the_largest_amount(env):
    env("5000000")
    assert env_money_minor(NAME, 0) == 50_000_00
    env("50_000_00")
    assert env_money_minor(NAME, 0) == 50_000_00
    for decimal in ("50000.00", "50,000", "€50000", "1e6"):
        env(decimal)
        assert "must be an amount in minor units" in refused(env_money_minor, 0)
    env("-1")
    assert refused(env_money_minor, 0) == (
        f"{NAME} must be an amount in minor units from 0 to {AMOUNT_MAX_MINOR}, not -1")
    env(str(AMOUNT_MAX_MINOR + 1))
    assert "must be an amount in minor units from 0" in refused(env_money_minor, 0)
    env("0")
    assert "from 1 to" in refused(env_money_minor, 5, minimum=1)


@pytest.mark.parametrize(("raw", "unit", "expected"), [
    ("90", "seconds", timedelta(seconds=90)),
    ("2", "minutes", timedelta(minutes=2)),
    ("90s", "minutes", timedelta(seconds=90)),
    ("2min", "seconds", timedelta(minutes=2)),
    (" 1 h ", "seconds", timedelta(hours=1)),
    ("3d", "hours", timedelta(days=3)),
    ("24", "hours", timedelta(hours=24)),
])
def test_a_duration_is_a_number_in_the_unit_of_its_name_or_says_its_own_unit(raw, unit, expected):
    assert duration_parse(raw, unit=unit) == expected


def test_a_duration_below_its_minimum_or_unreadable_is_refused(env):
    env("0")
    assert refused(env_duration, timedelta(minutes=2), unit="minutes") == (
        f"{NAME} must be a duration of at least 1 second, not '0'")
    env("-5")
    assert "at least 1 second" in refused(env_duration, timedelta(minutes=2), unit="seconds")
    env("2 weeks")
    assert refused(env_duration, timedelta(minutes=2), unit="minutes") == (
        f"{NAME} must be a duration: a whole number of minutes, or a number with s, min, h or d, not '2 weeks'")
    env("1.5h")
    assert "must be a duration" in refused(env_duration, timedelta(hours=1), unit="hours")


def test_a_duration_read_as_a_count_is_a_whole_number_of_its_unit(env):
    assert env_duration_count(NAME, 24, unit="hours") == 24
    env("2d")
    assert env_duration_count(NAME, 24, unit="hours") == 48
    env("90s")
    assert refused(env_duration_count, 2, unit="minutes") == f"{NAME} must be a whole number of minutes, not '90s'"
    env("0")
    assert refused(env_duration_count, 7, unit="days") == f"{NAME} must be a duration of at least 1 day, not '0'"


def test_json_is_read_strictly(env):
    env('[[1000, 10], [null, 100]]')
    assert env_json(NAME, None) == [[1000, 10], [None, 100]]
    env("[[1000, 10], [null, 100]")
    assert refused(env_json, None).startswith(f"{NAME} is not valid JSON")
    env('{"bps": 1, "bps": 2}')
    assert "appears twice" in refused(env_json, None)
    env("[NaN]")
    assert "NaN is not a number" in refused(env_json, None)


def test_a_rate_is_a_count_per_period(env):
    env(" 30/min ")
    assert env_rate(NAME, "10/h") == "30/min"
    for raw in ("30 per minute", "30/fortnight", "/min", "-1/s"):
        env(raw)
        assert refused(env_rate, "10/h") == (
            f"{NAME} must be a rate as '<n>/<s|min|hour|day>' (e.g. 30/min), not {raw!r}")


def test_a_currency_is_one_gavel_formats(env):
    env("GBP")
    assert env_currency(NAME, "EUR") == "GBP"
    env("XBT")
    assert refused(env_currency, "EUR").endswith("not 'XBT'")


def test_an_old_name_is_still_read_and_the_new_name_wins(env):
    env("1", name="GAVEL_TEST_OLD_NAME")
    assert env_bool(NAME, False, aliases=("GAVEL_TEST_OLD_NAME",)) is True
    env("0")
    assert env_bool(NAME, False, aliases=("GAVEL_TEST_OLD_NAME",)) is False


def test_a_refusal_through_an_old_name_names_the_old_name(env):
    env("maybe", name="GAVEL_TEST_OLD_NAME")
    with pytest.raises(EnvironmentInvalid, match="^GAVEL_TEST_OLD_NAME must be a boolean"):
        env_bool(NAME, False, aliases=("GAVEL_TEST_OLD_NAME",))
