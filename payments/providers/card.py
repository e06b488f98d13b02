"""A simulated card provider for development and tests, shaped like a real one.

`initiate` returns a local "card page" URL; pressing Pay there (or `simulated_card_event`) produces a webhook
event signed with HMAC-SHA256 over `<timestamp>.<raw body>` with GAVEL_CARD_WEBHOOK_SECRET, in the header
`Gavel-Signature: t=<unix seconds>,v1=<hex digest>`. `verify_webhook` checks it in constant time and refuses
events older (or newer) than GAVEL_CARD_WEBHOOK_TOLERANCE_SECONDS, which bounds replays.
"""

import hashlib
import hmac
import json
import re
import time
import uuid

from django.conf import settings
from django.urls import reverse

from core.parsers import json_loads
from payments.providers.base import PaymentProvider, ProviderPayment, WebhookEvent, WebhookRejected

SIGNATURE_HEADER = "Gavel-Signature"
# What the header's parts can be: seconds since the epoch (ASCII digits, no more than a clock can show) and a
# SHA-256 hex digest. Anything else is refused before any arithmetic or comparison.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_DIGEST = re.compile(r"[0-9a-f]{64}")


def card_sign(body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    key = (secret or settings.GAVEL_CARD_WEBHOOK_SECRET).encode()
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def simulated_card_event(*, payment_reference: str, amount_minor: int, currency: str,
                         event_id: str | None = None) -> tuple[bytes, dict]:
    """The body and headers the simulated provider would POST to our webhook for a successful charge."""
    body = json.dumps({
        "id": event_id or f"evt_{uuid.uuid4().hex}", "type": "payment.succeeded",
        "data": {"reference": payment_reference, "amount_minor": amount_minor, "currency": currency,
                 "charge_id": f"ch_{hashlib.sha256(payment_reference.encode()).hexdigest()[:24]}"},
    }, separators=(",", ":")).encode()
    return body, {SIGNATURE_HEADER: card_sign(body)}


class SimulatedCardProvider(PaymentProvider):
    name = "card"
    simulated = True

    def initiate(self, *, sale, amount_minor: int, reference: str) -> ProviderPayment:
        return ProviderPayment(reference=reference, status="pending",
                               redirect_url=reverse("payments:card-page", args=[reference]))

    def verify_webhook(self, *, headers, body: bytes) -> WebhookEvent:
        header = headers.get(SIGNATURE_HEADER) or ""
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        timestamp, digest = parts.get("t", ""), parts.get("v1", "")
        if not (_TIMESTAMP.fullmatch(timestamp) and _DIGEST.fullmatch(digest)):
            raise WebhookRejected("Missing or malformed signature header.", code="bad_signature")
        expected = card_sign(body, timestamp=int(timestamp)).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, digest):
            raise WebhookRejected("The signature does not match.", code="bad_signature")
        if abs(int(time.time()) - int(timestamp)) > settings.GAVEL_CARD_WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRejected("The event is too old (or from the future).", code="stale_event")
        try:
            payload = json_loads(body)  # depth-limited, no NUL: the event's texts are looked up in the database
            data = payload["data"]
            amount = data["amount_minor"]
            if isinstance(amount, bool) or not isinstance(amount, int):
                raise TypeError("amount_minor is not an integer")
            event = WebhookEvent(event_id=str(payload["id"]), type=str(payload["type"]),
                                 payment_reference=str(data["reference"]), amount_minor=amount,
                                 currency=str(data["currency"]), provider_reference=str(data["charge_id"]))
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("The event body is not a payment event.", code="bad_event")
        return event

    def refund(self, *, payment, amount_minor: int, idempotency_key: str) -> str:
        return f"re_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"
