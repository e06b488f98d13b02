"""Auction timing. Every task takes ids, calls a service, and is safe to run twice (acks_late is on).

Starting auctions, telling the seller and the winner how one ended, and declining decisions left too long live
here. Closing them lives with settlement (payments.tasks), which opens the sale of a sold car: a close is where
an auction turns into a sale.
"""

import logging

from celery import shared_task
from django.conf import settings

from auctions import services
from auctions.models import Auction
from core.clock import db_now

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=5)
def auction_closed_effects_task(self, auction_id: int, outcome: str) -> None:
    """The seller's (and the winner's) notifications after a close: each told once, however often this runs."""
    try:
        services.auction_closed_effects(auction_id=auction_id, outcome=outcome)
    except Exception as exc:
        raise self.retry(exc=exc)


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
def auction_decisions_expire_task() -> int:
    return services.auction_decisions_expire()


@shared_task
def idempotency_keys_prune_task() -> int:
    """Beat, hourly (config.settings.celery): bids' idempotency keys past GAVEL_IDEMPOTENCY_KEY_HOURS go."""
    return services.idempotency_keys_prune()


@shared_task(bind=True, max_retries=5, default_retry_delay=5)
def saved_searches_announce_task(self, *, auction_id: int, stage: str) -> None:
    """A new auction told to the saved searches it matches: each search once per stage, however often this runs."""
    try:
        services.saved_searches_announce(auction_id=auction_id, stage=stage)
    except Exception as exc:
        raise self.retry(exc=exc)


@shared_task
def saved_search_digests_send_task() -> int:
    return services.saved_search_digests_send()
