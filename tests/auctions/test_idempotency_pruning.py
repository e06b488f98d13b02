"""Bids' idempotency keys are kept for GAVEL_IDEMPOTENCY_KEY_HOURS and then pruned by beat, in batches."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from auctions import services
from auctions.models import Bid, IdempotencyKey
from auctions.tasks import idempotency_keys_prune_task

pytestmark = pytest.mark.django_db


def _key(dealer, name: str, *, age: timedelta) -> IdempotencyKey:
    return IdempotencyKey.objects.create(dealer=dealer, key=name, request_hash="0" * 64, response_status=201,
                                         response_body={}, created_at=timezone.now() - age)


def _age(dealer, name: str, age: timedelta) -> None:
    IdempotencyKey.objects.filter(dealer=dealer, key=name).update(created_at=timezone.now() - age)


@pytest.fixture
def bid_rate(settings):
    settings.GAVEL_BID_RATE = "1000/min"


def test_the_window_is_a_day_by_default_and_beat_prunes_hourly():
    assert django_settings.GAVEL_IDEMPOTENCY_KEY_TTL == timedelta(hours=24)
    entry = django_settings.CELERY_BEAT_SCHEDULE["auctions-idempotency-keys-prune"]
    assert entry == {"task": idempotency_keys_prune_task.name, "schedule": 3600.0}


def test_a_key_older_than_the_window_goes_and_a_fresh_one_stays(dealer):
    old = _key(dealer, "old", age=timedelta(hours=25))
    fresh = _key(dealer, "fresh", age=timedelta(hours=23))
    assert idempotency_keys_prune_task() == 1
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists()
    assert IdempotencyKey.objects.filter(pk=fresh.pk).exists()
    assert services.idempotency_keys_prune() == 0  # safe to run twice


def test_pruning_works_through_every_batch(dealer):
    for n in range(5):
        _key(dealer, f"old-{n}", age=timedelta(days=2))
    _key(dealer, "fresh", age=timedelta(minutes=1))
    assert services.idempotency_keys_prune(batch=2) == 5
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_a_shorter_window_set_in_settings_is_followed(dealer, settings):
    settings.GAVEL_IDEMPOTENCY_KEY_TTL = timedelta(minutes=30)
    _key(dealer, "hour-old", age=timedelta(hours=1))
    _key(dealer, "minute-old", age=timedelta(minutes=1))
    assert services.idempotency_keys_prune() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["minute-old"]


def test_a_retry_within_the_window_still_gets_the_stored_answer(auction, dealer, client_for, redis, bid_rate):
    client = client_for(dealer)
    path = reverse("api:auction-bids", args=[auction.pk])
    first = client.post(path, {"amount_minor": 10_000_00}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201
    _age(dealer, "retry-1", timedelta(hours=23))
    assert services.idempotency_keys_prune() == 0
    again = client.post(path, {"amount_minor": 10_000_00}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["placed"] == first.json()["placed"]
    assert Bid.objects.filter(auction=auction).count() == 1


def test_a_retry_after_the_window_is_a_new_request(auction, dealer, client_for, redis, bid_rate):
    client = client_for(dealer)
    path = reverse("api:auction-bids", args=[auction.pk])
    client.post(path, {"amount_minor": 10_000_00}, format="json", HTTP_IDEMPOTENCY_KEY="retry-2")
    _age(dealer, "retry-2", timedelta(hours=25))
    assert services.idempotency_keys_prune() == 1
    late = client.post(path, {"amount_minor": 10_000_00}, format="json", HTTP_IDEMPOTENCY_KEY="retry-2")
    # Decided again: the dealer leads with that bid already, and nothing says this is a replay.
    assert late.status_code == 409 and late.json()["code"] == "already_leading"
    assert not late.has_header("Idempotent-Replayed")
    assert Bid.objects.filter(auction=auction).count() == 1
