"""Payout provider doubles, swapped in through settings.GAVEL_PAYOUT_PROVIDER (a dotted path)."""

from payments.providers.bank import BankPayoutProvider
from payments.providers.base import ProviderError


class BankDownPayoutProvider(BankPayoutProvider):
    """The bank refuses before anything is recorded."""

    def send(self, **kwargs):
        raise ProviderError("The bank is unreachable.")


class DiesAfterTheBankPayoutProvider(BankPayoutProvider):
    """The bank records the transfer, then the worker dies before hearing back (a killed process, a timeout)."""

    def send(self, **kwargs):
        super().send(**kwargs)
        raise SystemExit("worker killed after the transfer was recorded")
