"""Payment providers (money in) and the payout provider (money out), each behind a small interface."""

from django.conf import settings
from django.utils.module_loading import import_string

from core.exceptions import ApplicationError
from payments.providers.bank import BankTransferProvider
from payments.providers.base import PaymentProvider, PayoutProvider
from payments.providers.card import SimulatedCardProvider


class UnknownProvider(ApplicationError):
    code = "unknown_provider"

    def default_message(self):
        return "That payment method is not available."


def payment_provider(name: str) -> PaymentProvider:
    if name == BankTransferProvider.name:
        return BankTransferProvider()
    if name == SimulatedCardProvider.name and settings.GAVEL_SIMULATED_CARD_ENABLED:
        return SimulatedCardProvider()
    raise UnknownProvider(fields={"provider": [f"{name!r} is not available."]})


def payment_provider_names() -> list[str]:
    names = [BankTransferProvider.name]
    if settings.GAVEL_SIMULATED_CARD_ENABLED:
        names.append(SimulatedCardProvider.name)
    return names


def payout_provider() -> PayoutProvider:
    return import_string(settings.GAVEL_PAYOUT_PROVIDER)()
