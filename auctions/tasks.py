"""Auction timing. Every task takes ids, calls a service, and is safe to run twice (acks_late is on).

Closing on time, exactly once in effect: `auctions_enqueue_closing_task` (beat, every minute) gives each
auction ending within the next minutes an ETA `auction_close_task`; `auctions_close_due_task` (beat, every
few seconds) sweeps up every live auction past its end — the safety net when a worker died holding an
ETA task. Both end in the same idempotent `auction_close`.
"""

import logging
from datetime import timedelta

import redis
from celery import shared_task
from django.conf import settings
from django.db import transaction

from auctions import services
from auctions.models import Auction
from core.clock import db_now

logger = logging.getLogger(__name__)


def _redis():
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def _enqueue_close(auction_id: int, ends_at) -> bool:
    """One ETA task per (auction, end time): a SET NX key guards against the minute job re-enqueuing it."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "gavel")
    key = f"{prefix}:auction-close:{auction_id}:{int(ends_at.timestamp() * 1000)}"
    ttl = int(max(60, (ends_at - db_now()).total_seconds() + 3600))
    client = _redis()
    try:
        if not client.set(key, "1", nx=True, ex=ttl):
            return False
    finally:
        client.close()
    auction_close_task.apply_async(args=[auction_id], eta=ends_at)
    return True


@shared_task(bind=True, max_retries=5, default_retry_delay=2)
def auction_close_task(self, auction_id: int) -> None:
    try:
        services.auction_close(auction_id=auction_id)
    except Exception as exc:
        raise self.retry(exc=exc)
    auction = Auction.objects.filter(pk=auction_id).values("status", "ends_at").first()
    if auction and auction["status"] == Auction.Status.LIVE:
        # A soft-close bid moved the end: come back then (the sweeper would too, a few seconds later).
        _enqueue_close(auction_id, auction["ends_at"])
    # Help with whatever else is overdue. When many auctions end together the closer's queue backs up, and
    # the sweeper's own message waits in that queue too (measured: 30 s); every close task sweeping as it
    # goes keeps the worst lateness at one task's length. SKIP LOCKED keeps concurrent sweeps apart.
    close_overdue()


@shared_task(bind=True, max_retries=5, default_retry_delay=5)
def auction_closed_effects_task(self, auction_id: int, outcome: str) -> None:
    """Notifications and the hand-over to payments after a close (the sale is opened once, however often)."""
    try:
        services.auction_closed_effects(auction_id=auction_id, outcome=outcome)
    except Exception as exc:
        raise self.retry(exc=exc)


@shared_task
def auctions_close_due_task() -> int:
    """The sweeper (beat, every few seconds): the safety net when a worker died holding an ETA task."""
    return close_overdue()


def close_overdue() -> int:
    """Close every live auction past its end, in bounded batches.

    Each auction closes in its own short transaction, taken FOR UPDATE SKIP LOCKED: a row that an ETA
    task or a bid holds right now is left to them and comes round again at the next sweep. Committing
    one by one makes each close visible at once instead of after the whole batch."""
    closed, batch = 0, settings.GAVEL_AUCTION_SWEEP_BATCH
    while True:
        ids = list(Auction.objects.filter(status=Auction.Status.LIVE, ends_at__lte=db_now())
                   .order_by("ends_at").values_list("pk", flat=True)[:batch])
        progressed = 0
        for auction_id in ids:
            with transaction.atomic():
                free = (Auction.objects.select_for_update(skip_locked=True)
                        .filter(pk=auction_id, status=Auction.Status.LIVE).exists())
                if free and services.auction_close(auction_id=auction_id):
                    closed += 1
                    progressed += 1
        if len(ids) < batch or not progressed:
            return closed


@shared_task
def auctions_start_due_task() -> int:
    started = 0
    ids = list(Auction.objects.filter(status=Auction.Status.SCHEDULED, starts_at__lte=db_now())
               .order_by("starts_at").values_list("pk", flat=True)[:settings.GAVEL_AUCTION_SWEEP_BATCH])
    for auction_id in ids:
        if services.auction_start(auction=Auction(pk=auction_id)):
            started += 1
    return started


@shared_task
def auctions_enqueue_closing_task() -> int:
    horizon = db_now() + timedelta(minutes=settings.GAVEL_AUCTION_ENQUEUE_AHEAD_MINUTES)
    due = Auction.objects.filter(status=Auction.Status.LIVE, ends_at__lte=horizon).values_list("pk", "ends_at")
    return sum(1 for auction_id, ends_at in due if _enqueue_close(auction_id, ends_at))


@shared_task
def auction_decisions_expire_task() -> int:
    return services.auction_decisions_expire()
