"""The published fee schedule: today's buyer fee at every band boundary, the other fees, fees on the hammer price
whatever the adjustment, and a loader that refuses a broken file naming the file and the field."""

import copy
import dataclasses
import json

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from core.money import Money
from payments import fees
from payments.fee_schedule import (
    CURRENT_VERSION,
    SCHEDULE_DIR,
    FeeScheduleInvalid,
    all_in_price,
    break_fee,
    buyer_fee,
    buying_limit,
    deductible,
    fee_schedule_load,
    fee_schedule_parse,
    minimum_claim,
    sale_amounts,
    seller_fee,
    unpaid_sale_fee,
)

SCHEDULE = fee_schedule_load()
EUR = Money.of
DOC = json.loads((SCHEDULE_DIR / f"{CURRENT_VERSION}.json").read_text())
# Today's default bands (config/settings/payments.py), written out: the file must reproduce them.
TODAYS_DEFAULT_BANDS = ((5_000_00, {"flat_minor": 199_00}), (15_000_00, {"flat_minor": 299_00}),
                        (30_000_00, {"flat_minor": 399_00}), (None, {"bps": 150}))


def boundaries():
    """Every band's upper bound, one cent either side of it, and the smallest and some large prices."""
    prices = {1, 2, 99_99, 100_00_00_00}
    for upper, _ in TODAYS_DEFAULT_BANDS:
        if upper is not None:
            prices |= {upper - 1, upper, upper + 1}
    return sorted(prices)


def test_the_schedule_file_holds_todays_default_buyer_fee_bands():
    assert settings.GAVEL_BUYER_FEE_BANDS == TODAYS_DEFAULT_BANDS  # the suite runs on the default
    bands = tuple(band.as_settings_band() for band in SCHEDULE.for_currency("EUR").buyer_fee_bands)
    assert bands == TODAYS_DEFAULT_BANDS


@pytest.mark.parametrize("hammer", boundaries())
def test_the_buyer_fee_from_the_schedule_is_todays_fee_at_every_band_boundary(hammer):
    assert buyer_fee(EUR(hammer), SCHEDULE) == fees.buyer_fee(EUR(hammer))


@pytest.mark.parametrize(("hammer", "fee"), [
    (1, 199_00), (4_999_99, 199_00), (5_000_00, 199_00), (5_000_01, 299_00), (14_999_99, 299_00),
    (15_000_00, 299_00), (15_000_01, 399_00), (29_999_99, 399_00), (30_000_00, 399_00), (30_000_01, 450_00),
    (33_333_33, 500_00), (40_000_00, 600_00), (1_01, 199_00),
])
def test_the_buyer_fee_bands_have_inclusive_upper_bounds(hammer, fee):
    assert buyer_fee(EUR(hammer), SCHEDULE) == EUR(fee)


@given(st.integers(min_value=1, max_value=10**12))
def test_the_buyer_fee_from_the_schedule_equals_todays_for_any_price(hammer):
    assert buyer_fee(EUR(hammer), SCHEDULE) == fees.buyer_fee(EUR(hammer))


def test_a_hammer_price_must_be_positive():
    with pytest.raises(ValueError):
        buyer_fee(EUR(0), SCHEDULE)


def test_a_currency_the_schedule_does_not_have_is_refused_by_name():
    with pytest.raises(ValueError, match="no fees in GBP"):
        buyer_fee(Money(10_000_00, "GBP"), SCHEDULE)


def test_the_all_in_price_is_the_amount_plus_the_buyer_fee_on_it():
    assert all_in_price(EUR(5_000_00), SCHEDULE) == EUR(5_199_00)
    assert all_in_price(EUR(5_000_01), SCHEDULE) == EUR(5_299_01)
    assert all_in_price(EUR(40_000_00), SCHEDULE) == EUR(40_600_00)


def test_the_flat_fees_deductible_minimum_and_buying_limit_come_from_the_file():
    eur = DOC["currencies"]["EUR"]
    assert break_fee("EUR", SCHEDULE) == EUR(eur["break_fee_minor"]) == EUR(300_00)
    assert unpaid_sale_fee("EUR", SCHEDULE) == EUR(eur["unpaid_sale_fee_minor"]) == EUR(500_00)
    assert deductible("EUR", SCHEDULE) == EUR(eur["deductible_minor"]) == EUR(150_00)
    assert minimum_claim("EUR", SCHEDULE) == EUR(eur["minimum_claim_minor"]) == EUR(50_00)
    assert SCHEDULE.deposit_limit_multiple == 10 and SCHEDULE.odometer_margin_km == 1_000
    # The default buying limit of today (GAVEL_DEFAULT_BUYING_LIMIT_MINOR) is what a 5,000 deposit gives.
    assert buying_limit(EUR(5_000_00), SCHEDULE) == EUR(settings.GAVEL_DEFAULT_BUYING_LIMIT_MINOR)
    assert buying_limit(EUR(0), SCHEDULE) == EUR(0)
    with pytest.raises(ValueError):
        buying_limit(EUR(-1), SCHEDULE)


def test_the_seller_fee_is_todays_default_of_none_and_never_exceeds_the_price():
    assert seller_fee(EUR(10_000_00), SCHEDULE) == EUR(0) == fees.seller_fee(EUR(10_000_00))
    with_fee = _schedule(lambda d: d["currencies"]["EUR"].update(seller_fee_minor=50_00))
    assert seller_fee(EUR(10_000_00), with_fee) == EUR(50_00)
    assert seller_fee(EUR(20_00), with_fee) == EUR(20_00)


def test_fees_are_computed_on_the_hammer_price_whatever_the_adjustment():
    with_fee = _schedule(lambda d: d["currencies"]["EUR"].update(seller_fee_minor=50_00))
    plain = sale_amounts(EUR(15_000_01), with_fee)
    adjusted = sale_amounts(EUR(15_000_01), with_fee, adjustment=EUR(2_000_00))
    # 15,000.01 pays the 399 band; 13,000.01 would pay 299 — but the fee stays on the hammer price.
    assert plain.buyer_fee == adjusted.buyer_fee == EUR(399_00)
    assert plain.seller_fee == adjusted.seller_fee == EUR(50_00)
    assert adjusted.price == EUR(13_000_01)
    assert adjusted.dealer_pays == EUR(13_399_01)
    assert adjusted.seller_receives == EUR(12_950_01)


@given(hammer=st.integers(min_value=1, max_value=10**10), share=st.fractions(min_value=0, max_value=1),
       seller_fee_minor=st.integers(min_value=0, max_value=1_000_00))
def test_an_adjustment_never_lowers_the_buyer_fee_and_the_money_adds_up(hammer, share, seller_fee_minor):
    schedule = _schedule(lambda d: d["currencies"]["EUR"].update(seller_fee_minor=seller_fee_minor))
    adjustment = EUR(int(hammer * share))
    amounts = sale_amounts(EUR(hammer), schedule, adjustment=adjustment)
    assert amounts.buyer_fee == buyer_fee(EUR(hammer), schedule)
    assert amounts.price == EUR(hammer) - adjustment
    assert amounts.dealer_pays == amounts.seller_receives + amounts.platform_keeps
    assert amounts.seller_receives >= EUR(0)
    # The seller fee is the hammer price's, except that a seller never pays to sell.
    assert amounts.seller_fee == EUR(min(seller_fee(EUR(hammer), schedule).amount_minor, amounts.price.amount_minor))


def test_an_adjustment_is_between_nothing_and_the_hammer_price():
    with pytest.raises(ValueError):
        sale_amounts(EUR(10_00), SCHEDULE, adjustment=EUR(10_01))
    with pytest.raises(ValueError):
        sale_amounts(EUR(10_00), SCHEDULE, adjustment=EUR(-1))
    assert sale_amounts(EUR(10_00), SCHEDULE, adjustment=EUR(10_00)).dealer_pays == EUR(199_00)


def test_the_loaded_schedule_is_frozen_and_names_its_version():
    assert SCHEDULE.version == CURRENT_VERSION == "fees-v1"
    assert str(SCHEDULE.effective_from) == DOC["effective_from"]
    # Each write below is refused on purpose: the checker refuses it too.
    with pytest.raises(dataclasses.FrozenInstanceError):
        SCHEDULE.version = "fees-v2"  # type: ignore[misc]
    with pytest.raises(TypeError):
        SCHEDULE.currencies["GBP"] = SCHEDULE.currencies["EUR"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        SCHEDULE.for_currency("EUR").deductible_minor = 0  # type: ignore[misc]
    assert fee_schedule_load() == fee_schedule_load(CURRENT_VERSION)


def test_a_second_currency_is_its_own_block():
    def add_gbp(doc):
        doc["currencies"]["GBP"] = copy.deepcopy(doc["currencies"]["EUR"])
        doc["currencies"]["GBP"]["buyer_fee_bands"][0]["flat_minor"] = 175_00

    schedule = _schedule(add_gbp)
    assert buyer_fee(Money(100_00, "GBP"), schedule) == Money(175_00, "GBP")
    assert buyer_fee(EUR(100_00), schedule) == EUR(199_00)


# --- the loader refuses a broken file, naming the file and the field ----------------------------------------------

def _schedule(change):
    doc = copy.deepcopy(DOC)
    change(doc)
    return fee_schedule_parse(doc, source="fees-test.json")


def _bands(doc):
    return doc["currencies"]["EUR"]["buyer_fee_bands"]


def _set(path, value):
    def change(doc):
        *parents, last = path
        target = doc
        for part in parents:
            target = target[part]
        target[last] = value
    return change


def _delete(path):
    def change(doc):
        *parents, last = path
        target = doc
        for part in parents:
            target = target[part]
        del target[last]
    return change


BANDS = ("currencies", "EUR", "buyer_fee_bands")


@pytest.mark.parametrize(("change", "field", "message"), [
    (_delete((*BANDS, 1, "flat_minor")), "currencies.EUR.buyer_fee_bands[1]", "needs exactly one of flat_minor or bps"),
    (_set((*BANDS, 1, "bps"), 100), "currencies.EUR.buyer_fee_bands[1]", "needs exactly one of flat_minor or bps"),
    (_set((*BANDS, 2, "flat_minor"), -1), "currencies.EUR.buyer_fee_bands[2].flat_minor", "≥ 0"),
    (_set((*BANDS, 2, "flat_minor"), 399.0), "currencies.EUR.buyer_fee_bands[2].flat_minor", "whole number"),
    (_set((*BANDS, 2, "flat_minor"), "399"), "currencies.EUR.buyer_fee_bands[2].flat_minor", "whole number"),
    (_set((*BANDS, 2, "flat_minor"), True), "currencies.EUR.buyer_fee_bands[2].flat_minor", "whole number"),
    (_set((*BANDS, 3, "bps"), 10_001), "currencies.EUR.buyer_fee_bands[3].bps", "at most 10000"),
    (_set((*BANDS, 3, "bps"), -5), "currencies.EUR.buyer_fee_bands[3].bps", "≥ 0"),
    (_set((*BANDS, 1, "up_to_minor"), 5_000_00), "currencies.EUR.buyer_fee_bands[1].up_to_minor", "ascending"),
    (_set((*BANDS, 2, "up_to_minor"), 1_000_00), "currencies.EUR.buyer_fee_bands[2].up_to_minor", "ascending"),
    (_set((*BANDS, 1, "up_to_minor"), None), "currencies.EUR.buyer_fee_bands[1].up_to_minor", "only the last band"),
    (_set((*BANDS, 3, "up_to_minor"), 50_000_00), "currencies.EUR.buyer_fee_bands[3].up_to_minor",
     "last band must be open"),
    (_set((*BANDS, 0, "up_to_minor"), 0), "currencies.EUR.buyer_fee_bands[0].up_to_minor", "≥ 1"),
    (_set((*BANDS, 0, "percent"), 2), "currencies.EUR.buyer_fee_bands[0]", "unknown field(s) percent"),
    (_set(BANDS, []), "currencies.EUR.buyer_fee_bands", "non-empty list"),
    (_set(("currencies", "EUR", "break_fee_minor"), -300_00), "currencies.EUR.break_fee_minor", "≥ 0"),
    (_set(("currencies", "EUR", "deductible_minor"), 150.5), "currencies.EUR.deductible_minor", "whole number"),
    (_delete(("currencies", "EUR", "unpaid_sale_fee_minor")), "currencies.EUR", "missing unpaid_sale_fee_minor"),
    (_set(("currencies", "EUR", "break_fee"), 1), "currencies.EUR", "unknown field(s) break_fee"),
    (_set(("currencies", "XEU"), {}), "currencies.XEU", "unknown currency 'XEU'"),
    (_set(("currencies", "eur"), {}), "currencies.eur", "unknown currency 'eur'"),
    (_set(("currencies",), {}), "currencies", "non-empty object"),
    (_set(("deposit_limit_multiple",), 0), "deposit_limit_multiple", "≥ 1"),
    (_set(("odometer_margin_km",), -1), "odometer_margin_km", "≥ 0"),
    (_set(("effective_from",), "1 January 2026"), "effective_from", "YYYY-MM-DD"),
    (_set(("effective_from",), "20260101"), "effective_from", "YYYY-MM-DD"),
    (_set(("version",), ""), "version", "non-empty text"),
    (_delete(("version",)), "", "missing version"),
    (_set(("fees",), {}), "", "unknown field(s) fees"),
])
def test_the_loader_refuses_a_broken_schedule_naming_the_file_and_field(change, field, message):
    with pytest.raises(FeeScheduleInvalid) as refused:
        _schedule(change)
    assert refused.value.source == "fees-test.json"
    assert refused.value.field == field
    assert message in refused.value.message
    assert str(refused.value).startswith(f"fees-test.json: {field}: " if field else "fees-test.json: ")


@pytest.mark.parametrize(("text", "message"), [
    ('{"version": "fees-v1", "version": "fees-v2"}', "appears twice"),
    ('{"version": NaN}', "NaN is not a number"),
    ('{"version": "fees-v1",}', "not valid JSON"),
])
def test_the_loader_refuses_ambiguous_json(tmp_path, monkeypatch, text, message):
    (tmp_path / "fees-v9.json").write_text(text)
    monkeypatch.setattr("payments.fee_schedule.SCHEDULE_DIR", tmp_path)
    with pytest.raises(FeeScheduleInvalid, match=message) as refused:
        fee_schedule_load.__wrapped__("fees-v9")
    assert refused.value.source == "fees-v9.json"


def test_the_file_must_say_the_version_its_name_says(tmp_path, monkeypatch):
    (tmp_path / "fees-v2.json").write_text(json.dumps(DOC))
    monkeypatch.setattr("payments.fee_schedule.SCHEDULE_DIR", tmp_path)
    with pytest.raises(FeeScheduleInvalid, match="says 'fees-v1', the file name says 'fees-v2'"):
        fee_schedule_load.__wrapped__("fees-v2")
    with pytest.raises(FeeScheduleInvalid, match="no such file"):
        fee_schedule_load.__wrapped__("fees-v3")
    with pytest.raises(FeeScheduleInvalid, match="not a schedule version"):
        fee_schedule_load.__wrapped__("../settings")
