"""Payments: the buyer's fee bands, the seller's fee, settlement's deadlines, the escrow bank account, the card
provider's webhook, the payout provider and its retries. Money in minor units of GAVEL_CURRENCY.

Simulated providers (the card provider, the bank payout provider that records transfers instead of sending
them) move no real money: with DEBUG off, Gavel refuses to start with one unless GAVEL_ALLOW_SIMULATED_PROVIDERS
is set (payments.providers.simulated_providers_refuse, run when the payments app loads)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

from config.settings.django import DEBUG
from config.settings.env import (
    EnvironmentInvalid,
    env_bool,
    env_duration_count,
    env_int,
    env_json,
    env_money_minor,
    env_str,
)
from payments.fee_schedule import CURRENT_VERSION, FeeScheduleInvalid, buyer_fee_bands_check

# A hammer price up to and including a band's upper bound pays that band's fee, flat (`flat_minor`) or in basis
# points of the price (`bps`, 1/100 of a per cent); the last band is open (null). As JSON in the environment:
# [[upper_bound_minor_or_null, {"flat_minor": n} | {"bps": n}], …]
_DEFAULT_BUYER_FEE_BANDS = ((5_000_00, {"flat_minor": 199_00}), (15_000_00, {"flat_minor": 299_00}),
                            (30_000_00, {"flat_minor": 399_00}), (None, {"bps": 150}))


def buyer_fee_bands_read(raw, *, name: str = "GAVEL_BUYER_FEE_BANDS") -> tuple[tuple[int | None, dict], ...]:
    """The bands held to the fee schedule's own rules (payments.fee_schedule), or a refusal naming the band."""
    try:
        return buyer_fee_bands_check(raw, source=name)
    except FeeScheduleInvalid as exc:
        raise EnvironmentInvalid(name, f"is invalid at {exc.field}: {exc.message}") from None


_bands = env_json("GAVEL_BUYER_FEE_BANDS", None)
GAVEL_BUYER_FEE_BANDS = _DEFAULT_BUYER_FEE_BANDS if _bands is None else buyer_fee_bands_read(_bands)
GAVEL_SELLER_FEE_MINOR = env_money_minor("GAVEL_SELLER_FEE_MINOR", 0)

# Deadlines: the buyer pays within business days of the sale; the buyer may dispute within days of the handover;
# a second-chance offer stays open, and a seller has to answer whether the next bidder may buy below the reserve
# (then it counts as declined), within hours.
GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS = env_int("GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS", 2, minimum=1)
GAVEL_DISPUTE_WINDOW_DAYS = env_duration_count("GAVEL_DISPUTE_WINDOW_DAYS", 7, unit="days")
# The dealer collects the car within days of their payment arriving in escrow (the sale's collection_deadline,
# set when the payment lands: payments.services.sales.sale_collection_deadline); later counts against their record.
GAVEL_COLLECTION_DAYS = env_duration_count("GAVEL_COLLECTION_DAYS", 5, unit="days")
# The fee schedule in force (payments/schedules/<version>.json): payments computes fees with it, each sale records
# the version it used, and each auction's sealed reserve commits to it (transparency).
GAVEL_FEE_SCHEDULE_VERSION = env_str("GAVEL_FEE_SCHEDULE_VERSION", CURRENT_VERSION)
# How long a seller has to accept or refuse a price adjustment from the collection check (then it counts as refused).
GAVEL_ADJUSTMENT_DECISION_HOURS = env_duration_count("GAVEL_ADJUSTMENT_DECISION_HOURS", 48, unit="hours")
GAVEL_SECOND_CHANCE_HOURS = env_duration_count("GAVEL_SECOND_CHANCE_HOURS", 24, unit="hours")
GAVEL_SELLER_CONSENT_HOURS = env_duration_count("GAVEL_SELLER_CONSENT_HOURS", 24, unit="hours")

# The escrow account buyers transfer to (shown on the invoice).
GAVEL_BANK_IBAN = env_str("GAVEL_BANK_IBAN", "DE89 3704 0044 0532 0130 00")
GAVEL_BANK_BIC = env_str("GAVEL_BANK_BIC", "COBADEFFXXX")
GAVEL_BANK_ACCOUNT_NAME = env_str("GAVEL_BANK_ACCOUNT_NAME", "Gavel Escrow GmbH")

# Who issues invoices, credit notes and seller statements (payments.services.documents), and the VAT rate on
# Gavel's fees (published VAT included; the car itself, a private person's, carries none). A fraction: 0.19 is 19 %.
GAVEL_ISSUER_NAME = env_str("GAVEL_ISSUER_NAME", "Gavel Marketplace GmbH")
GAVEL_ISSUER_ADDRESS = env_str("GAVEL_ISSUER_ADDRESS", "Auktionsweg 1\n10115 Berlin\nGermany")
GAVEL_ISSUER_VAT_ID = env_str("GAVEL_ISSUER_VAT_ID", "DE000000000")
GAVEL_VAT_RATE = env_str("GAVEL_VAT_RATE", "0.19")
try:
    if not Decimal(0) <= Decimal(GAVEL_VAT_RATE) < Decimal(1):
        raise InvalidOperation
except InvalidOperation:
    raise EnvironmentInvalid("GAVEL_VAT_RATE", f"must be a fraction from 0 up to 1, e.g. 0.19; got {GAVEL_VAT_RATE!r}"
                             ) from None

GAVEL_CARD_WEBHOOK_SECRET = env_str("GAVEL_CARD_WEBHOOK_SECRET")
if not GAVEL_CARD_WEBHOOK_SECRET:
    if not DEBUG:
        raise ImproperlyConfigured("GAVEL_CARD_WEBHOOK_SECRET must be set when DEBUG is off.")
    GAVEL_CARD_WEBHOOK_SECRET = "dev-insecure-card-webhook-secret"
GAVEL_CARD_WEBHOOK_TOLERANCE_SECONDS = env_duration_count("GAVEL_CARD_WEBHOOK_TOLERANCE_SECONDS", 300,
                                                          unit="seconds")
# The simulated card provider exists for development and tests; production turns it off.
GAVEL_SIMULATED_CARD_ENABLED = env_bool("GAVEL_SIMULATED_CARD_ENABLED", DEBUG)
# Dotted path of the payout provider class (payments.providers.base.PayoutProvider, checked by payments.E001);
# tests swap in doubles.
GAVEL_PAYOUT_PROVIDER = env_str("GAVEL_PAYOUT_PROVIDER", "payments.providers.bank.BankPayoutProvider")
# With DEBUG off: start even though a provider above is simulated (a demo deployment such as docker-compose.yml).
GAVEL_ALLOW_SIMULATED_PROVIDERS = env_bool("GAVEL_ALLOW_SIMULATED_PROVIDERS", False)
GAVEL_PAYOUT_MAX_ATTEMPTS = env_int("GAVEL_PAYOUT_MAX_ATTEMPTS", 5, minimum=1)
GAVEL_SALES_SWEEP_BATCH = env_int("GAVEL_SALES_SWEEP_BATCH", 100, minimum=1)
