"""The webhook signature (docs/webhooks.md, "Verifying a delivery"): one place that writes the header.

    Gavel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

Signing the timestamp with the body lets a receiver refuse a replayed delivery: the snippet in the docs rejects
a timestamp older than five minutes."""

import hashlib
import hmac

SIGNATURE_HEADER = "Gavel-Signature"
EVENT_ID_HEADER = "Gavel-Event-Id"
EVENT_TYPE_HEADER = "Gavel-Event-Type"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"
