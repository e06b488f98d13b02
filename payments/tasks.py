"""Settlement tasks: take ids, call a service, retry. Every one is safe to run twice (acks_late is on).

Closing auctions on time, exactly once in effect, lives here because a close is where an auction turns into a sale
(payments.services.settlement): `auctions_enqueue_closing_task` (beat, every minute) gives each auction ending
within the next minutes an ETA `auction_close_task`; `auctions_close_due_task` (beat, every few seconds) sweeps up
every live auction past its end — the safety net when a worker died holding an ETA task. Both end in the same
idempotent `auction_close_and_settle`. These run on the `closing` queue; the sale of a sold car opens on the default
queue (`sale_open_for_auction_task`), so a closer goes straight on to the next auction.
"""

import logging
from datetime import datetime, timedelta

import redis
from celery import shared_task
from django.conf import settings

from auctions.models import Auction
from core.clock import db_now
from payments import services
from payments.services import documents
from payments.services.adjustments import adjustment_requests_lapse_due

logger = logging.getLogger(__name__)


def _enqueue_close(auction_id: int, ends_at: datetime) -> bool:
    """One ETA task per (auction, end time): a SET NX key guards against the minute job re-enqueuing it."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "gavel")
    key = f"{prefix}:auction-close:{auction_id}:{int(ends_at.timestamp() * 1000)}"
    ttl = int(max(60, (ends_at - db_now()).total_seconds() + 3600))
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        if not client.set(key, "1", nx=True, ex=ttl):
            return False
    finally:
        client.close()
    auction_close_task.apply_async(args=(auction_id,), eta=ends_at)
    return True


@shared_task(bind=True, max_retries=5, default_retry_delay=2)
def auction_close_task(self, auction_id: int) -> None:
    try:
        services.auction_close_and_settle(auction_id=auction_id)
    except Exception as exc:
        raise self.retry(exc=exc)
    auction = Auction.objects.filter(pk=auction_id).values("status", "ends_at").first()
    if auction and auction["status"] == Auction.Status.LIVE:
        # A soft-close bid moved the end: come back then (the sweeper would too, a few seconds later).
        _enqueue_close(auction_id, auction["ends_at"])
    # Help with whatever else is overdue. When many auctions end together the closer's queue backs up, and
    # the sweeper's own message waits in that queue too (measured: 30 s); every close task sweeping as it
    # goes keeps the worst lateness at one task's length. SKIP LOCKED keeps concurrent sweeps apart.
    services.auctions_close_overdue()


@shared_task
def auctions_close_due_task() -> int:
    """The sweeper (beat, every few seconds): the safety net when a worker died holding an ETA task."""
    return services.auctions_close_overdue()


@shared_task
def auctions_enqueue_closing_task() -> int:
    horizon = db_now() + timedelta(minutes=settings.GAVEL_AUCTION_ENQUEUE_AHEAD_MINUTES)
    due = Auction.objects.filter(status=Auction.Status.LIVE, ends_at__lte=horizon).values_list("pk", "ends_at")
    return sum(1 for auction_id, ends_at in due if _enqueue_close(auction_id, ends_at))


@shared_task(bind=True, max_retries=5, default_retry_delay=5)
def sale_open_for_auction_task(self, auction_id: int) -> None:
    """The sale of a car that just sold (opened once, however often this runs)."""
    try:
        services.sale_create_for_auction(auction=Auction.objects.get(pk=auction_id))
    except Exception as exc:
        raise self.retry(exc=exc)


@shared_task
def sales_open_missing_task() -> int:
    """Safety net (beat): a sold auction whose sale a dead worker never opened."""
    return services.sales_open_missing()


@shared_task(bind=True, max_retries=2, default_retry_delay=30)
def payout_release_task(self, sale_id: int) -> None:
    """Exactly-once in effect: a retry (or a redelivery after the worker died) resumes the recorded intent.
    Two quick retries here; after that the beat sweep retries up to GAVEL_PAYOUT_MAX_ATTEMPTS, then staff."""
    try:
        services.payout_release(sale_id=sale_id)
    except Exception as exc:
        logger.warning("payout for sale %s failed (attempt %s): %s", sale_id, self.request.retries + 1, exc)
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2 ** self.request.retries))


@shared_task
def payouts_release_pending_task() -> int:
    """Safety net: queue a release for every handed-over sale whose payout is not sent yet."""
    ids = services.payouts_due_ids()
    for sale_id in ids:
        payout_release_task.delay(sale_id)
    return len(ids)


@shared_task
def sales_mark_overdue_task() -> int:
    return services.sales_mark_overdue()


@shared_task
def sales_collection_overdue_task() -> int:
    """Paid sales past their collection deadline: the dealer and staff told once (beat)."""
    return services.sales_collection_overdue_notify()


@shared_task
def second_chance_expire_task() -> int:
    return services.second_chance_expire_due()


@shared_task
def second_chance_consents_expire_task() -> int:
    return services.second_chance_consents_expire_due()


@shared_task
def sales_complete_due_task() -> int:
    return services.sales_complete_due()


@shared_task
def adjustment_requests_lapse_task() -> int:
    """Price adjustments past their deadline without the seller's answer: the computed adjustment applies."""
    return adjustment_requests_lapse_due()


@shared_task
def documents_pdf_render_pending_task() -> int:
    """Issued invoices, credit notes and statements get their PDF stored (payments.services.documents)."""
    return documents.documents_pdf_render_pending()
