"""Payment providers (money in) and the payout provider (money out), each behind a small interface."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from payments.providers.bank import BankTransferProvider
from payments.providers.base import PaymentProvider, PayoutProvider
from payments.providers.card import SimulatedCardProvider


class UnknownProvider(ApplicationError):
    code = "unknown_provider"

    def default_message(self):
        return _("That payment method is not available.")


def payment_provider(name: str) -> PaymentProvider:
    if name == BankTransferProvider.name:
        return BankTransferProvider()
    if name == SimulatedCardProvider.name and settings.GAVEL_SIMULATED_CARD_ENABLED:
        return SimulatedCardProvider()
    raise UnknownProvider(fields={"provider": [_("%(name)r is not available.") % {"name": name}]})


def payment_provider_names() -> list[str]:
    names = [BankTransferProvider.name]
    if settings.GAVEL_SIMULATED_CARD_ENABLED:
        names.append(SimulatedCardProvider.name)
    return names


def payout_provider() -> PayoutProvider:
    return payout_provider_class()()


def payout_provider_class() -> type[PayoutProvider]:
    return import_string(settings.GAVEL_PAYOUT_PROVIDER)


def simulated_providers_in_use() -> list[str]:
    """The providers configured now that move no real money, each named with the setting that chose it."""
    found = []
    if settings.GAVEL_SIMULATED_CARD_ENABLED and SimulatedCardProvider.simulated:
        found.append("the simulated card provider (GAVEL_SIMULATED_CARD_ENABLED)")
    try:
        payout = payout_provider_class()
    except Exception:  # noqa: BLE001 - a path that does not import is payments.E001's finding, not this one's
        payout = None
    if isinstance(payout, type) and issubclass(payout, PayoutProvider) and payout.simulated:
        found.append(f"the simulated payout provider {settings.GAVEL_PAYOUT_PROVIDER} (GAVEL_PAYOUT_PROVIDER)")
    return found


def simulated_providers_refuse() -> None:
    """Production (DEBUG off) does not start with a simulated provider, which would take a buyer's "payment" or
    report a seller's payout that no bank ever saw, unless GAVEL_ALLOW_SIMULATED_PROVIDERS says it is a demo."""
    if settings.DEBUG or settings.GAVEL_ALLOW_SIMULATED_PROVIDERS:
        return
    simulated = simulated_providers_in_use()
    if simulated:
        raise ImproperlyConfigured(
            f"With DEBUG off, Gavel does not start with {' and '.join(simulated)}: "
            f"{'it moves' if len(simulated) == 1 else 'they move'} no real money. "
            "Configure real providers, or set GAVEL_ALLOW_SIMULATED_PROVIDERS=1 for a demo deployment.")
