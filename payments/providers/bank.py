"""Manual bank transfers in (staff confirm receipt in admin) and bank transfer records out (payouts)."""

from django.conf import settings
from django.db import IntegrityError, transaction

from payments.models import PayoutTransfer
from payments.providers.base import PaymentProvider, PayoutProvider, PayoutResult, ProviderPayment, WebhookRejected


class BankTransferProvider(PaymentProvider):
    name = "bank_transfer"

    def initiate(self, *, sale, amount_minor: int, reference: str) -> ProviderPayment:
        return ProviderPayment(reference=reference, status="pending", instructions={
            "account_name": settings.GAVEL_BANK_ACCOUNT_NAME, "iban": settings.GAVEL_BANK_IBAN,
            "bic": settings.GAVEL_BANK_BIC, "reference": reference, "amount_minor": amount_minor,
            "currency": sale.currency})

    def verify_webhook(self, *, headers, body: bytes):
        raise WebhookRejected("Bank transfers are confirmed by staff in admin, not by webhook.")

    def refund(self, *, payment, amount_minor: int, idempotency_key: str) -> str:
        # The refund is a transfer our finance team sends; its record is the ledger line and this reference.
        return f"GVL-RF-{idempotency_key}"


class BankPayoutProvider(PayoutProvider):
    """Records the outgoing transfer (no network). Idempotent: one PayoutTransfer per idempotency key.

    Simulated: no bank is called, so the seller's money does not leave escrow by itself; a production deployment
    plugs in a provider that sends the transfer (or sets GAVEL_ALLOW_SIMULATED_PROVIDERS and pays by hand)."""

    name = "bank"
    simulated = True

    def send(self, *, idempotency_key: str, payee, account: str, amount_minor: int, currency: str,
             memo: str) -> PayoutResult:
        existing = PayoutTransfer.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    existing = PayoutTransfer.objects.create(
                        idempotency_key=idempotency_key, reference=f"PO-{idempotency_key}".upper()[:100],
                        payee=payee, account=account, amount_minor=amount_minor, currency=currency, memo=memo[:300])
            except IntegrityError:
                existing = PayoutTransfer.objects.get(idempotency_key=idempotency_key)
        return PayoutResult(reference=existing.reference)
