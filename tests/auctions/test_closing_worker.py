"""Closing with real Celery processes against the test database: the ETA task, and the sweeper when
the worker holding the ETA task is killed with SIGKILL before its time."""

import os
import signal
import time

import pytest

from auctions import services
from auctions.models import Auction
from config.celery import app
from core.models import AuditLog
from payments.tasks import _enqueue_close
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction
from tests.conftest import start_celery_worker, stop_celery_worker

# serial: real workers and auctions that end a few seconds from now.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.serial]


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


def _worker_holds_scheduled_task(hostname_part: str) -> bool:
    scheduled = app.control.inspect(timeout=1).scheduled() or {}
    return any(hostname_part in host and tasks for host, tasks in scheduled.items())


def _closed(auction_id: int) -> bool:
    return Auction.objects.filter(pk=auction_id, status=Auction.Status.CLOSED).exists()


def _live_auction_ending_in(seconds: float, dealer) -> Auction:
    auction = make_auction(reserve_minor=10_000_00)
    services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=10_000_00)
    move_end(auction, seconds_from_now=seconds)
    return auction


def test_the_eta_task_closes_the_auction_at_its_end(celery_worker_process, dealer):
    auction = _live_auction_ending_in(4, dealer)
    assert _enqueue_close(auction.pk, auction.ends_at)
    assert not _enqueue_close(auction.pk, auction.ends_at), "the minute job must not enqueue it twice"
    _wait_for(lambda: _closed(auction.pk), timeout=40, what="the ETA task to close the auction")
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.SOLD and auction.closed_at >= auction.ends_at
    assert AuditLog.objects.for_object(auction).filter(to_state="closed").count() == 1


def test_the_sweeper_closes_on_time_when_the_worker_holding_the_eta_task_is_killed(celery_worker_process, dealer,
                                                                                    tmp_path):
    auction = _live_auction_ending_in(8, dealer)
    assert _enqueue_close(auction.pk, auction.ends_at)
    _wait_for(lambda: _worker_holds_scheduled_task("test-worker-"), timeout=20,
              what="the worker to hold the ETA task")
    os.killpg(celery_worker_process.pid, signal.SIGKILL)
    celery_worker_process.wait(timeout=10)
    assert not _closed(auction.pk)

    # A fresh worker and beat: the acks_late ETA message stays unacked with the dead worker (Redis would
    # redeliver it only after the visibility timeout), so only the sweeper can close the auction in time.
    worker = start_celery_worker(extra_env={"GAVEL_AUCTION_SWEEP_SECONDS": "1", "GAVEL_VAR_DIR": str(tmp_path)},
                                 beat_schedule=tmp_path / "beat-schedule", name="sweeper-worker")
    try:
        _wait_for(lambda: _closed(auction.pk), timeout=60, what="the sweeper to close the auction")
    finally:
        stop_celery_worker(worker)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.SOLD and auction.closed_at >= auction.ends_at
    assert AuditLog.objects.for_object(auction).filter(to_state="closed").count() == 1


def test_a_dedicated_closer_closes_and_the_default_worker_opens_the_sale_and_notifies(dealer, tmp_path, redis):
    """Production's split (docker-compose.yml): the closer consumes only `closing`; the close's effects
    (notifications, the hand-over to payments) go to the default queue and another worker runs them."""
    from core.models import Notification
    from payments.models import Sale

    auction = _live_auction_ending_in(3, dealer)
    production = {"GAVEL_NOTIFY_ASYNC": "1"}  # the close's effects become tasks, as in production
    closer = start_celery_worker(extra_env=production, queues="closing", name="closer")
    worker = start_celery_worker(extra_env=production, queues="celery", name="default-worker")
    try:
        assert _enqueue_close(auction.pk, auction.ends_at)
        _wait_for(lambda: Sale.objects.filter(auction=auction).exists(), timeout=60,
                  what="the closer to close and the default worker to open the sale")
        _wait_for(lambda: Notification.objects.filter(user=dealer, kind="auction_won").exists(), timeout=30,
                  what="the winner's notification")
    finally:
        stop_celery_worker(closer)
        stop_celery_worker(worker)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.SOLD and auction.closed_at >= auction.ends_at
    assert Notification.objects.filter(user=auction.listing.seller, kind="auction_sold").count() == 1
    assert Sale.objects.filter(auction=auction).count() == 1
