"""What a payment or payout provider must offer. A real provider is one adapter class behind these."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError


class WebhookRejected(ApplicationError):
    code = "webhook_rejected"
    status_code = 400

    def default_message(self):
        return _("The webhook could not be verified.")


class ProviderError(ApplicationError):
    """The provider refused or could not be reached; safe to retry with the same idempotency key."""

    code = "provider_error"
    status_code = 502


@dataclass(frozen=True)
class ProviderPayment:
    reference: str
    status: str  # "pending" until the provider confirms
    instructions: dict = field(default_factory=dict)  # bank transfer: IBAN, BIC, reference, amount
    redirect_url: str = ""  # card: where the dealer goes to pay


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    type: str
    payment_reference: str
    amount_minor: int
    currency: str
    provider_reference: str


class PaymentProvider(ABC):
    name: str
    # True when no real money moves (development, tests, demos): production refuses to start with one unless
    # GAVEL_ALLOW_SIMULATED_PROVIDERS is set (payments.providers.simulated_providers_refuse).
    simulated: bool = False

    @abstractmethod
    def initiate(self, *, sale, amount_minor: int, reference: str) -> ProviderPayment:
        """Start collecting `amount_minor` for `sale` under our `reference`."""

    @abstractmethod
    def verify_webhook(self, *, headers, body: bytes) -> WebhookEvent:
        """Parse and authenticate a provider callback; raise WebhookRejected if it is not genuine."""

    @abstractmethod
    def refund(self, *, payment, amount_minor: int, idempotency_key: str) -> str:
        """Send `amount_minor` of `payment` back to the payer; returns the provider's refund reference.
        Idempotent on `idempotency_key`."""


@dataclass(frozen=True)
class PayoutResult:
    reference: str


class PayoutProvider(ABC):
    name: str
    simulated: bool = False  # as PaymentProvider.simulated

    @abstractmethod
    def send(self, *, idempotency_key: str, payee, account: str, amount_minor: int, currency: str,
             memo: str) -> PayoutResult:
        """Pay `payee` to `account` (their IBAN on file, read when the payout was sent). Calling again with the same
        idempotency key returns the first transfer, never a second."""
