"""The published fee schedule: one versioned data file, payments/schedules/<version>.json, read strictly.

What it holds, per currency (amounts in minor units): the buyer fee bands, the seller fee, the break fee (the
dealer pays it when the seller refuses a price adjustment), the unpaid-sale fee, the deductible per sale and the
minimum amount of an adjustment or dispute claim; and for every currency: the deposit-to-buying-limit multiple
and the odometer margin of the collection check. The rules in words: docs/fees-and-adjustments.md.

A schedule is never edited in place: a change is a new version file, so an invoice that names the version it
used can always be recomputed from it. The functions here are pure (schedule in, Money out): no settings, no
clock, no database.

Fees are computed on the hammer price, never on a price after an adjustment: a dealer who has the price cut
pays the same fee (no reward for cutting the price), and a seller fee does not grow or shrink with it either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType

from core.datafile import DataFileInvalid, Reader, json_document_read
from core.money import MINOR_DIGITS, Money
from payments import fees

SCHEDULE_DIR = Path(__file__).resolve().parent / "schedules"
CURRENT_VERSION = "fees-v1"  # also what each sealed reserve commits to (settings.GAVEL_FEE_SCHEDULE_VERSION)
MAX_BPS = 10_000  # 100 %

_TOP_REQUIRED = ("version", "effective_from", "odometer_margin_km", "deposit_limit_multiple", "currencies")
_CURRENCY_AMOUNTS = ("seller_fee_minor", "break_fee_minor", "unpaid_sale_fee_minor", "deductible_minor",
                     "minimum_claim_minor")


class FeeScheduleInvalid(DataFileInvalid):
    """The fee schedule file is broken: the app refuses to use it."""


@dataclass(frozen=True)
class FeeBand:
    """Hammer prices up to and including `up_to_minor` (None: no upper bound) pay `flat_minor`, or `bps` basis
    points (1/100 of a per cent) of the hammer price rounded half up to the cent."""

    up_to_minor: int | None
    flat_minor: int | None = None
    bps: int | None = None

    def as_settings_band(self) -> tuple:
        """The shape of one entry of settings.GAVEL_BUYER_FEE_BANDS, which payments.fees.buyer_fee walks."""
        return (self.up_to_minor, {"flat_minor": self.flat_minor} if self.flat_minor is not None
                else {"bps": self.bps})


@dataclass(frozen=True)
class CurrencyFees:
    currency: str
    buyer_fee_bands: tuple[FeeBand, ...]
    seller_fee_minor: int
    break_fee_minor: int
    unpaid_sale_fee_minor: int
    deductible_minor: int
    minimum_claim_minor: int


@dataclass(frozen=True)
class FeeSchedule:
    version: str
    effective_from: date
    odometer_margin_km: int
    deposit_limit_multiple: int
    currencies: Mapping[str, CurrencyFees] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""

    def for_currency(self, currency: str) -> CurrencyFees:
        try:
            return self.currencies[currency]
        except KeyError:
            raise ValueError(f"The fee schedule {self.version} has no fees in {currency}.")


# ---------------------------------------------------------------------------------------------------------------
# Loading


def _bands_parse(read: Reader, raw, where: str) -> tuple[FeeBand, ...]:
    bands = []
    previous: int | None = None
    rows = read.items(raw, where)
    for index, row in enumerate(rows):
        at = f"{where}[{index}]"
        read.object(row, at, required=("up_to_minor",), optional=("flat_minor", "bps"))
        if ("flat_minor" in row) == ("bps" in row):
            read.fail(at, "needs exactly one of flat_minor or bps")
        upper = row["up_to_minor"]
        last = index == len(rows) - 1
        if upper is None:
            if not last:
                read.fail(f"{at}.up_to_minor", "only the last band is open (null); bands must be in ascending order")
        else:
            upper = read.integer(upper, f"{at}.up_to_minor", minimum=1)
            if previous is not None and upper <= previous:
                read.fail(f"{at}.up_to_minor", f"bands must be in ascending order: {upper} follows {previous}")
            if last:
                read.fail(f"{at}.up_to_minor", "the last band must be open (null) so every price has a fee")
            previous = upper
        if "flat_minor" in row:
            bands.append(FeeBand(upper, flat_minor=read.integer(row["flat_minor"], f"{at}.flat_minor", minimum=0)))
        else:
            bands.append(FeeBand(upper, bps=read.integer(row["bps"], f"{at}.bps", minimum=0, maximum=MAX_BPS)))
    return tuple(bands)


def buyer_fee_bands_check(raw, *, source: str) -> tuple[tuple[int | None, dict], ...]:
    """Buyer fee bands in the shape of settings.GAVEL_BUYER_FEE_BANDS, `[[upper|null, {"flat_minor": n} |
    {"bps": n}], …]`, held to the rules the schedule file's bands obey (exactly one fee each, ascending bounds,
    the last one open); returns them in that shape. A refusal names `source` and the band."""
    read = Reader(source, FeeScheduleInvalid)
    rows = []
    for index, band in enumerate(read.items(raw, "bands")):
        if not (isinstance(band, list) and len(band) == 2 and isinstance(band[1], dict)
                and "up_to_minor" not in band[1]):
            read.fail(f"bands[{index}]", 'must be a pair [upper bound in minor units or null, {"flat_minor": n} '
                                         'or {"bps": n}]')
        rows.append({"up_to_minor": band[0], **band[1]})
    return tuple(band.as_settings_band() for band in _bands_parse(read, rows, "bands"))


def fee_schedule_parse(doc, *, source: str) -> FeeSchedule:
    """Build a FeeSchedule from the file's data, refusing anything missing, unknown, negative or out of order."""
    read = Reader(source, FeeScheduleInvalid)
    read.object(doc, "", required=_TOP_REQUIRED, optional=("description",))
    currencies = {}
    for code, raw in read.mapping(doc["currencies"], "currencies").items():
        where = f"currencies.{code}"
        if code not in MINOR_DIGITS:
            read.fail(where, f"unknown currency {code!r} (known: {', '.join(sorted(MINOR_DIGITS))})")
        read.object(raw, where, required=("buyer_fee_bands", *_CURRENCY_AMOUNTS))
        amounts = {name: read.integer(raw[name], f"{where}.{name}", minimum=0) for name in _CURRENCY_AMOUNTS}
        currencies[code] = CurrencyFees(currency=code, buyer_fee_bands=_bands_parse(
            read, raw["buyer_fee_bands"], f"{where}.buyer_fee_bands"), **amounts)
    return FeeSchedule(
        version=read.text(doc["version"], "version"),
        effective_from=read.iso_date(doc["effective_from"], "effective_from"),
        odometer_margin_km=read.integer(doc["odometer_margin_km"], "odometer_margin_km", minimum=0),
        deposit_limit_multiple=read.integer(doc["deposit_limit_multiple"], "deposit_limit_multiple", minimum=1),
        currencies=MappingProxyType(currencies),
        description=read.text(doc["description"], "description") if "description" in doc else "",
    )


@cache
def fee_schedule_load(version: str = CURRENT_VERSION) -> FeeSchedule:
    """The schedule of `version` from payments/schedules/<version>.json; the file must say it is that version."""
    if not version.replace("-", "").replace("_", "").isalnum():
        raise FeeScheduleInvalid(f"{version!r}", "", "not a schedule version")
    path = SCHEDULE_DIR / f"{version}.json"
    schedule = fee_schedule_parse(json_document_read(path, error=FeeScheduleInvalid), source=path.name)
    if schedule.version != version:
        raise FeeScheduleInvalid(path.name, "version", f"says {schedule.version!r}, the file name says {version!r}")
    return schedule


# ---------------------------------------------------------------------------------------------------------------
# The fees


def buyer_fee(hammer: Money, schedule: FeeSchedule) -> Money:
    """The dealer's fee for a hammer price: the first band whose upper bound (inclusive) reaches it.

    The band walk is payments.fees.buyer_fee (one rule); this feeds it the schedule's bands."""
    bands = tuple(band.as_settings_band() for band in schedule.for_currency(hammer.currency).buyer_fee_bands)
    return fees.buyer_fee(hammer, bands)


def all_in_price(amount: Money, schedule: FeeSchedule) -> Money:
    """What a dealer pays in all if the hammer falls at `amount`: the amount plus the buyer fee on it."""
    return amount + buyer_fee(amount, schedule)


def seller_fee(hammer: Money, schedule: FeeSchedule) -> Money:
    """The flat seller fee, never more than the hammer price."""
    return Money(min(schedule.for_currency(hammer.currency).seller_fee_minor, hammer.amount_minor), hammer.currency)


def break_fee(currency: str, schedule: FeeSchedule) -> Money:
    """What the dealer pays from their deposit when the seller refuses a price adjustment (the sale is cancelled
    at no cost to the seller)."""
    return Money(schedule.for_currency(currency).break_fee_minor, currency)


def unpaid_sale_fee(currency: str, schedule: FeeSchedule) -> Money:
    """What the dealer pays from their deposit when a sale is cancelled because they did not pay."""
    return Money(schedule.for_currency(currency).unpaid_sale_fee_minor, currency)


def deductible(currency: str, schedule: FeeSchedule) -> Money:
    """The part of the repair costs of undisclosed defects the dealer bears, once per sale."""
    return Money(schedule.for_currency(currency).deductible_minor, currency)


def minimum_claim(currency: str, schedule: FeeSchedule) -> Money:
    """The smallest adjustment or dispute refund that can be claimed (after the deductible)."""
    return Money(schedule.for_currency(currency).minimum_claim_minor, currency)


def buying_limit(deposit: Money, schedule: FeeSchedule) -> Money:
    """The buying limit a deposit gives: the deposit times the published multiple."""
    if deposit.amount_minor < 0:
        raise ValueError("A deposit is not negative.")
    schedule.for_currency(deposit.currency)
    return deposit * schedule.deposit_limit_multiple


@dataclass(frozen=True)
class SaleAmounts:
    """The money of a sale after an adjustment. The fees are those of the hammer price."""

    hammer: Money
    adjustment: Money
    price: Money  # hammer − adjustment: what the car is finally sold for
    buyer_fee: Money  # on the hammer price
    dealer_pays: Money  # price + buyer fee
    seller_fee: Money  # on the hammer price, but never more than the price left to pay it from
    seller_receives: Money  # price − seller fee
    platform_keeps: Money  # buyer fee + seller fee: dealer_pays = seller_receives + platform_keeps


def sale_amounts(hammer: Money, schedule: FeeSchedule, *, adjustment: Money | None = None) -> SaleAmounts:
    """The sale's amounts for a hammer price and an (accepted) adjustment, which is 0 ≤ adjustment ≤ hammer.

    Both fees are computed on the hammer price: an adjustment lowers the price, never the dealer's fee. The one
    exception protects the seller, not the dealer: if an adjustment leaves less than the seller fee, the seller
    fee is what is left, so a seller never pays to sell."""
    adjustment = adjustment if adjustment is not None else Money(0, hammer.currency)
    if not 0 <= adjustment.amount_minor <= hammer.amount_minor:
        raise ValueError("An adjustment is between nothing and the hammer price.")
    price = hammer - adjustment
    fee = buyer_fee(hammer, schedule)
    seller = Money(min(seller_fee(hammer, schedule).amount_minor, price.amount_minor), hammer.currency)
    return SaleAmounts(hammer=hammer, adjustment=adjustment, price=price, buyer_fee=fee, dealer_pays=price + fee,
                       seller_fee=seller, seller_receives=price - seller, platform_keeps=fee + seller)
