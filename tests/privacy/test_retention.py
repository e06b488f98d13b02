"""Retention periods: what is past its period goes, by the daily beat task, through a real Celery worker."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import SessionSighting
from core.models import Notification
from marketplace.models import Listing
from privacy import services
from privacy.tasks import retention_enforce_task
from tests.accounts.factories import SellerFactory
from tests.marketplace.factories import ListingFactory


def _world():
    now = timezone.now()
    seller = SellerFactory()
    old = SessionSighting.objects.create(user=seller, ip="203.0.113.1", seen_at=now - timedelta(days=200))
    recent = SessionSighting.objects.create(user=seller, ip="203.0.113.2", seen_at=now - timedelta(days=100))
    stale = Notification.objects.create(user=seller, kind="t", title="old", created_at=now - timedelta(days=400))
    fresh = Notification.objects.create(user=seller, kind="t", title="new", created_at=now - timedelta(days=10))
    closed_long_ago = SellerFactory(is_active=False, closed_at=now - timedelta(days=31))
    closed_lately = SellerFactory(is_active=False, closed_at=now - timedelta(days=5))
    car_long_ago = ListingFactory(seller=closed_long_ago, status=Listing.Status.WITHDRAWN, postcode="10115")
    car_lately = ListingFactory(seller=closed_lately, status=Listing.Status.WITHDRAWN, postcode="10115")
    car_open = ListingFactory(seller=seller, status=Listing.Status.WITHDRAWN, postcode="10115")
    return old, recent, stale, fresh, car_long_ago, car_lately, car_open


def _check(old, recent, stale, fresh, car_long_ago, car_lately, car_open):
    assert not SessionSighting.objects.filter(pk=old.pk).exists()
    assert SessionSighting.objects.filter(pk=recent.pk).exists()
    assert not Notification.objects.filter(pk=stale.pk).exists()
    assert Notification.objects.filter(pk=fresh.pk).exists()
    for car in (car_long_ago, car_lately, car_open):
        car.refresh_from_db()
    assert (car_long_ago.registration_plate, car_long_ago.postcode) == ("", "")
    assert car_lately.registration_plate and car_lately.postcode == "10115"
    assert car_open.registration_plate and car_open.postcode == "10115"


@pytest.mark.django_db
def test_the_periods_are_settings_and_each_keeps_what_is_within_it():
    assert (settings.GAVEL_RETENTION_SESSION_SIGHTINGS_DAYS, settings.GAVEL_RETENTION_NOTIFICATIONS_DAYS,
            settings.GAVEL_RETENTION_CLOSED_ACCOUNT_DAYS) == (180, 365, 30)
    world = _world()
    done = services.retention_enforce()
    assert done == {"session_sightings": 1, "notifications": 1, "closed_accounts_cars": 1}
    _check(*world)
    assert services.retention_enforce() == {"session_sightings": 0, "notifications": 0, "closed_accounts_cars": 0}


@pytest.mark.django_db
def test_a_shorter_period_set_in_settings_is_followed(settings):
    settings.GAVEL_RETENTION_NOTIFICATIONS_DAYS = 5
    world = _world()
    services.retention_enforce()
    assert not Notification.objects.filter(pk=world[3].pk).exists()


def test_beat_schedules_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert entry == {"task": retention_enforce_task.name, "schedule": 86400.0}


@pytest.mark.serial
def test_a_real_worker_runs_the_retention_task(celery_worker_process):
    world = _world()
    retention_enforce_task.delay()
    deadline = time.monotonic() + 60
    while SessionSighting.objects.filter(pk=world[0].pk).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    _check(*world)
