"""Idempotent requests: the first answer to a request carrying an Idempotency-Key is kept, and a retry with the
same key and the same request gets exactly that answer back (an acceptance or a refusal); the same key on a
different request is refused.

On PostgreSQL the bid function (auctions/sql/bid_place_v2.sql) does all of this in the bid's own statement and keeps
the decision, from which the answer is rendered again. On SQLite the bid policy (auctions.bid_policy) wraps a bid
in `idempotent_answer_lock` → `idempotent_answer_stored` →
(place the bid) → `idempotent_answer_store`, in one transaction: the answer is stored with the bid it answers,
so a retry can never place a second bid. Lock order: this key's advisory lock, then the dealer's profile, then
the auction.

A key is kept for GAVEL_IDEMPOTENCY_KEY_HOURS (retries matter within minutes to hours); beat prunes older ones
(`idempotency_keys_prune`, auctions.tasks.idempotency_keys_prune_task).
"""

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from auctions.models import IdempotencyKey
from auctions.services.common import IdempotencyKeyReused
from core.sweeps import delete_in_batches


def idempotency_lock_id(*, dealer_id: int, key: str) -> int:
    """The advisory lock that serialises one dealer's requests carrying `key` (also taken by gavel_bid_place)."""
    digest = hashlib.sha256(f"idempotency:{dealer_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def idempotent_answer_lock(*, dealer: User, key: str) -> None:
    """Serialise the requests of one dealer that carry this key (a transaction-level advisory lock), so a retry
    racing its first attempt waits for it and then finds its answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [idempotency_lock_id(dealer_id=dealer.pk, key=key)])


def idempotent_answer_stored(*, dealer: User, key: str, request_hash: str) -> IdempotencyKey | None:
    """The stored answer to this key, or None the first time; IdempotencyKeyReused for another request."""
    stored = IdempotencyKey.objects.filter(dealer=dealer, key=key).first()
    if stored is not None and stored.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return stored


def idempotent_answer_store(*, dealer: User, key: str, request_hash: str, status_code: int, body: dict) -> None:
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(dealer=dealer, key=key, request_hash=request_hash,
                                          response_status=status_code, response_body=body)
    except IntegrityError:
        raise IdempotencyKeyReused() from None


def idempotency_keys_prune(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Delete the keys older than GAVEL_IDEMPOTENCY_KEY_HOURS, `batch` at a time, each batch its own short
    transaction (bids keep inserting keys meanwhile). Safe to run twice or side by side. How many went.

    A retry racing the pruning of its own key either finds it (the stored answer) or finds none and is decided
    as a new request: the key is that old only when the window it promised has passed."""
    older_than = (now or timezone.now()) - settings.GAVEL_IDEMPOTENCY_KEY_TTL
    return delete_in_batches(IdempotencyKey.objects.filter(created_at__lt=older_than), batch=batch)
