"""Business settings are checked when Gavel starts, not at the first sale or bid: a bad value refuses to start with
ImproperlyConfigured naming the variable and what is wrong. And production (DEBUG off) does not start with a
simulated payment or payout provider unless GAVEL_ALLOW_SIMULATED_PROVIDERS says it is a demo.

The start-up itself is checked in a fresh process (this one's settings are already loaded); the validators'
every refusal is checked by calling them."""

import ast
import os
import re
import subprocess
import sys
from typing import cast

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.auctions import bid_increments_check
from config.settings.env import EnvironmentInvalid
from config.settings.payments import buyer_fee_bands_read
from payments.providers import simulated_providers_refuse
from payments.providers.bank import BankPayoutProvider
from tests.conftest import ROOT

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "test-" + "k" * 60, "GAVEL_CARD_WEBHOOK_SECRET": "test-webhook-secret",
              "ALLOWED_HOSTS": "gavel.example"}


def start(extra: dict) -> subprocess.CompletedProcess:
    """What every entry point does first (manage.py, wsgi, asgi, the Celery worker): load the settings, set up
    the apps."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **extra}
    for name in ("GAVEL_ALLOW_SIMULATED_PROVIDERS", "GAVEL_SIMULATED_CARD_ENABLED", "GAVEL_PAYOUT_PROVIDER"):
        if name not in extra:
            env.pop(name, None)
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def refusal(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0 and "started" not in result.stdout
    kind, message = result.stderr.strip().splitlines()[-1].split(": ", 1)
    assert kind in {"django.core.exceptions.ImproperlyConfigured", "config.settings.env.EnvironmentInvalid"}
    return message


# Start-up refuses, naming the variable ----------------------------------------------------------------------

@pytest.mark.parametrize(("variable", "value", "message"), [
    ("GAVEL_BUYER_FEE_BANDS", '[[500000, {"flat_minor": 19900}], [null, {}]]',
     "GAVEL_BUYER_FEE_BANDS is invalid at bands[1]: needs exactly one of flat_minor or bps"),
    ("GAVEL_BID_INCREMENTS", "[[2000000, 10000], [500000, 5000], [null, 25000]]",
     "GAVEL_BID_INCREMENTS is invalid at bands[1].upper: upper bounds must be strictly increasing: "
     "500000 follows 2000000"),
    ("GAVEL_SOFT_CLOSE_SECONDS", "0", "GAVEL_SOFT_CLOSE_SECONDS must be a duration of at least 1 second, not '0'"),
    ("GAVEL_CURRENCY", "EURO", "GAVEL_CURRENCY must be a currency Gavel formats"),
    ("GAVEL_BID_RATE", "30 a minute", "GAVEL_BID_RATE must be a rate as '<n>/<s|min|hour|day>' (e.g. 30/min), "
                                      "not '30 a minute'"),
    ("GAVEL_DISPUTE_WINDOW_DAYS", "-7", "GAVEL_DISPUTE_WINDOW_DAYS must be a duration of at least 1 day, not '-7'"),
    ("GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS", "0",
     "GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS must be a whole number ≥ 1, not 0"),
])
def test_a_bad_business_setting_refuses_to_start_naming_the_variable(variable, value, message):
    assert refusal(start({variable: value})).startswith(message)


def test_the_development_defaults_start():
    assert start({}).stdout.strip() == "started"


# Every refusal of the increment ladder and the fee bands ------------------------------------------------------

@pytest.mark.parametrize(("raw", "message"), [
    ({"0": 50}, "must be a non-empty JSON list"),
    ([], "must be a non-empty JSON list"),
    ([[None]], "is invalid at bands[0]: must be a pair [upper bound or null, increment], not [None]"),
    ([[1000, 0], [None, 100]], "is invalid at bands[0].increment: must be a positive whole number of minor units, "
                               "not 0"),
    ([[1000, 10], [None, -5]], "is invalid at bands[1].increment: must be a positive whole number"),
    ([[1000, 10.5], [None, 100]], "is invalid at bands[0].increment: must be a positive whole number"),
    ([[1000, True], [None, 100]], "is invalid at bands[0].increment: must be a positive whole number"),
    ([[None, 10], [1000, 100]], "is invalid at bands[0].upper: only the last band is open (null)"),
    ([[1000, 10], [1000, 100], [None, 250]], "is invalid at bands[1].upper: upper bounds must be strictly "
                                             "increasing: 1000 follows 1000"),
    ([[0, 10], [None, 100]], "is invalid at bands[0].upper: must be a positive whole number of minor units or null"),
    ([[1000, 10], [2000, 100]], "is invalid at bands[1].upper: the last band must be open (null)"),
])
def test_an_increment_ladder_that_cannot_price_every_bid_is_refused(raw, message):
    with pytest.raises(EnvironmentInvalid) as raised:
        bid_increments_check(raw)
    assert str(raised.value).startswith(f"GAVEL_BID_INCREMENTS {message}")


def test_a_good_increment_ladder_is_read_as_the_engine_takes_it():
    assert bid_increments_check([[500000, 5000], [None, 25000]]) == ((500000, 5000), (None, 25000))


@pytest.mark.parametrize(("raw", "message"), [
    ([], "is invalid at bands: must be a non-empty list"),
    ([[None, {"flat_minor": 100, "bps": 150}]], "is invalid at bands[0]: needs exactly one of flat_minor or bps"),
    ([[1000, {"percent": 1}], [None, {"bps": 150}]], "is invalid at bands[0]: unknown field(s) percent"),
    ([[None, 150]], "is invalid at bands[0]: must be a pair [upper bound in minor units or null"),
    ([[1000, {"flat_minor": -1}], [None, {"bps": 150}]],
     "is invalid at bands[0].flat_minor: must be a whole number ≥ 0"),
    ([[None, {"bps": 20000}]], "is invalid at bands[0].bps: must be at most 10000, not 20000"),
    ([[2000, {"flat_minor": 1}], [1000, {"flat_minor": 2}], [None, {"bps": 1}]],
     "is invalid at bands[1].up_to_minor: bands must be in ascending order: 1000 follows 2000"),
    ([[1000, {"flat_minor": 1}]], "is invalid at bands[0].up_to_minor: the last band must be open (null)"),
])
def test_fee_bands_that_cannot_price_every_sale_are_refused(raw, message):
    with pytest.raises(EnvironmentInvalid) as raised:
        buyer_fee_bands_read(raw)
    assert str(raised.value).startswith(f"GAVEL_BUYER_FEE_BANDS {message}")


def test_good_fee_bands_are_read_in_the_shape_the_fee_code_walks():
    assert buyer_fee_bands_read([[500000, {"flat_minor": 19900}], [None, {"bps": 150}]]) == (
        (500000, {"flat_minor": 19900}), (None, {"bps": 150}))


# Production and simulated providers ---------------------------------------------------------------------------

class SendingPayoutProvider(BankPayoutProvider):
    """Stands for what production plugs in: a provider whose transfers a bank really sends."""

    simulated = False


def test_production_refuses_to_start_with_the_simulated_payout_provider():
    message = refusal(start(PRODUCTION))
    assert message.startswith("With DEBUG off, Gavel does not start with the simulated payout provider "
                              "payments.providers.bank.BankPayoutProvider (GAVEL_PAYOUT_PROVIDER)")
    assert "GAVEL_ALLOW_SIMULATED_PROVIDERS=1" in message


def test_production_with_the_allow_flag_starts_with_simulated_providers():
    result = start({**PRODUCTION, "GAVEL_ALLOW_SIMULATED_PROVIDERS": "1", "GAVEL_SIMULATED_CARD_ENABLED": "1"})
    assert result.stdout.strip() == "started", result.stderr


def test_production_refuses_the_simulated_card_provider_too(settings):
    settings.DEBUG = False
    settings.GAVEL_ALLOW_SIMULATED_PROVIDERS = False
    settings.GAVEL_SIMULATED_CARD_ENABLED = True
    settings.GAVEL_PAYOUT_PROVIDER = "tests.core.test_settings_validation.SendingPayoutProvider"
    with pytest.raises(ImproperlyConfigured, match=r"^With DEBUG off, Gavel does not start with the simulated "
                                                   r"card provider \(GAVEL_SIMULATED_CARD_ENABLED\): it moves no "
                                                   r"real money"):
        simulated_providers_refuse()
    settings.GAVEL_SIMULATED_CARD_ENABLED = False
    simulated_providers_refuse()  # a provider that is not simulated, and no card: production starts


def test_development_starts_with_simulated_providers(settings):
    settings.DEBUG = True
    settings.GAVEL_ALLOW_SIMULATED_PROVIDERS = False
    settings.GAVEL_SIMULATED_CARD_ENABLED = True
    simulated_providers_refuse()


# One home for the list of variables ----------------------------------------------------------------------------

def _variables_read_by_the_settings() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("env_")
                    and node.args and isinstance(node.args[0], ast.Constant)):
                names.add(cast(str, node.args[0].value))  # a variable's name
                for keyword in node.keywords:
                    if keyword.arg == "aliases":  # written as a tuple of names
                        names |= set(ast.literal_eval(keyword.value))
    return names


def test_the_readme_lists_every_variable_the_settings_read():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    read = _variables_read_by_the_settings()
    assert len(read) > 60
    assert sorted(read - listed) == []
