from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.money import Money
from payments.fees import add_business_days, buyer_fee, seller_fee
from payments.services import sale_terms

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(("hammer", "fee"), [
    (1, 199_00), (5_000_00, 199_00), (5_000_01, 299_00), (15_000_00, 299_00), (15_000_01, 399_00),
    (30_000_00, 399_00), (30_000_01, 45_000), (40_000_00, 600_00), (33_333_33, 50_000),
])
def test_the_buyer_fee_follows_the_price_bands_with_inclusive_upper_bounds(hammer, fee):
    assert buyer_fee(Money.of(hammer)) == Money.of(fee)


def test_the_percentage_band_rounds_half_up_to_the_cent():
    bands = ((None, {"bps": 150}),)
    assert buyer_fee(Money.of(1_01), bands) == Money.of(2)  # 1.515 cents -> 2
    assert buyer_fee(Money.of(99), bands) == Money.of(1)  # 1.485 cents -> 1


def test_a_hammer_price_must_be_positive():
    with pytest.raises(ValueError):
        buyer_fee(Money.of(0))


def test_the_seller_fee_defaults_to_none_and_never_exceeds_the_price(settings):
    assert seller_fee(Money.of(10_000_00)) == Money.of(0)
    settings.GAVEL_SELLER_FEE_MINOR = 50_00
    assert seller_fee(Money.of(10_000_00)) == Money.of(50_00)
    assert seller_fee(Money.of(20_00)) == Money.of(20_00)


def test_sale_terms_add_up():
    terms = sale_terms(hammer_price_minor=40_000_00)
    assert terms["amount_due_minor"] == terms["hammer_price_minor"] + terms["buyer_fee_minor"] == 40_600_00
    assert terms["seller_receives_minor"] == 40_000_00 and terms["currency"] == "EUR"


@pytest.mark.parametrize(("start", "days", "due"), [
    ((2026, 3, 2, 10), 2, (2026, 3, 4, 10)),   # Monday -> Wednesday
    ((2026, 3, 5, 10), 2, (2026, 3, 9, 10)),   # Thursday -> Monday
    ((2026, 3, 6, 18), 2, (2026, 3, 10, 18)),  # Friday -> Tuesday
    ((2026, 3, 7, 9), 2, (2026, 3, 11, 9)),    # Saturday counts from Monday -> Wednesday
    ((2026, 3, 8, 23), 1, (2026, 3, 10, 23)),  # Sunday -> Tuesday
    ((2026, 3, 4, 12), 0, (2026, 3, 4, 12)),
    ((2026, 3, 27, 12), 2, (2026, 3, 31, 12)),  # across the switch to summer time, same wall-clock time
])
def test_business_days_skip_weekends(start, days, due):
    assert add_business_days(datetime(*start).replace(tzinfo=BERLIN), days) == datetime(*due).replace(tzinfo=BERLIN)
