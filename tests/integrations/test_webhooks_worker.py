"""Webhook retries driven by a real Celery worker (its own process, shortened schedule) against a real local
HTTP receiver."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from integrations import services
from integrations.models import EventType, WebhookDelivery
from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction
from tests.conftest import start_celery_worker, stop_celery_worker

pytestmark = [pytest.mark.postgres, pytest.mark.serial]

BASE, WINDOW = 1, 7  # tries at 0, 1, 3 and 7 seconds: delays 1, 2, 4


@pytest.fixture
def webhook_worker(redis, transactional_db):
    proc = start_celery_worker(
        extra_env={
            "GAVEL_WEBHOOK_ALLOW_LOOPBACK": "1",
            "GAVEL_WEBHOOK_RETRY_BASE_SECONDS": str(BASE),
            "GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS": str(WINDOW),
            "DEBUG": "1",
        },
        name="webhook-worker",
    )
    yield proc
    stop_celery_worker(proc)


def emit_outbid(receiver_url: str):
    dealer = DealerFactory(verified=True)
    endpoint = services.webhook_endpoint_create(owner=dealer, url=receiver_url, events=[EventType.AUCTION_OUTBID])
    auction = make_auction(starts_at=timezone.now() - timedelta(seconds=5))
    with override_settings(GAVEL_NOTIFY_ASYNC=True), transaction.atomic():  # the first try goes through Celery
        event = services.webhook_emit(
            user_id=dealer.pk,
            event_type=EventType.AUCTION_OUTBID,
            resource="auction",
            resource_id=auction.pk,
            event_key=f"auction:{auction.pk}:outbid:1",
        )
    assert event is not None
    return dealer, endpoint, WebhookDelivery.objects.get(event=event)


def settled(delivery: WebhookDelivery, timeout: float = 40) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.outcome != "pending":
            return delivery
        time.sleep(0.2)
    pytest.fail(f"delivery {delivery.pk} still pending after {timeout} s")


def test_a_receiver_answering_500_then_200_handles_the_event_exactly_once_after_dedupe(
    webhook_worker, receiver, settings
):
    settings.DEBUG = True
    hook = receiver([500, 200])
    dealer, _endpoint, delivery = emit_outbid(hook.url)

    delivery = settled(delivery)

    requests = hook.wait_for(2)
    assert len(requests) == 2
    handled: dict[str, bytes] = {}  # what a receiver does with the documented advice: drop an id it has already handled
    for request in requests:
        handled.setdefault(request.headers["Gavel-Event-Id"], request.body)
    assert list(handled) == [delivery.event.event_id]
    assert delivery.outcome == "delivered"
    assert [(a.number, a.response_code, a.succeeded) for a in delivery.attempt_log.all()] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert delivery.endpoint.failing_since is None  # a success clears the failure clock


def test_retries_follow_the_schedule_and_a_window_of_failures_disables_the_endpoint(webhook_worker, receiver, settings):
    settings.DEBUG = True
    settings.GAVEL_WEBHOOK_RETRY_BASE_SECONDS, settings.GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS = BASE, WINDOW
    hook = receiver([500])
    dealer, endpoint, delivery = emit_outbid(hook.url)
    delays = services.webhook_retry_delays()
    assert delays == [1, 2, 4]

    delivery = settled(delivery)

    attempts = list(delivery.attempt_log.all())
    assert [a.number for a in attempts] == [1, 2, 3, 4]
    assert [a.response_code for a in attempts] == [500] * 4
    for earlier, later, delay in zip(attempts[:-1], attempts[1:], delays, strict=True):
        assert later.at - earlier.at >= timedelta(seconds=delay), (earlier.number, later.number)
    assert len(hook.wait_for(4)) == 4
    assert {r.headers["Gavel-Event-Id"] for r in hook.received} == {delivery.event.event_id}
    assert delivery.outcome == "abandoned"
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    assert dealer.notifications.filter(kind="webhook_endpoint_disabled").count() == 1
