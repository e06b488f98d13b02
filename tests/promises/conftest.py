"""Shared pieces of the promise tests: each walks from the outside (API, page, admin, a real worker) to the
database, on PostgreSQL with real commits, so side effects on commit (notifications, the sale opening) happen
as they do in production. API clients as a real client holds them, and requests sent at the same moment."""

import threading
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connections
from rest_framework.test import APIClient

from accounts.services import token_for
from auctions.models import Auction
from core.clock import db_now
from payments import services as payment_services
from tests.auctions.conftest import move_end


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks queued on commit run in-process, unless the test runs a real worker (a fixture named *_worker*)."""
    if any("worker" in name for name in request.fixturenames):
        yield
        return
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def token_client(user) -> APIClient:
    """An API client authenticated the way API clients are: `Authorization: Token <key>`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user=user)}")
    return client


def simultaneously(calls: list) -> list:
    """Run each zero-argument callable on its own thread (and so its own database connection), all released by
    one barrier; return their results in order. A thread that raises fails the test with what it raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001  (reported below, with the others)
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        pytest.fail(f"{len(errors)} of {len(calls)} simultaneous calls raised: {errors[:3]}")
    return results


def admin_action(client, changelist: str, action: str, objects, **data):
    """Run a Django admin action with its intermediate form already filled in (`apply`)."""
    return client.post(changelist, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], "apply": "1",
                                    **data}, follow=True)


def end_and_close(auction: Auction) -> Auction:
    move_end(auction, seconds_from_now=-1)
    payment_services.auction_close_and_settle(auction_id=auction.pk)
    auction.refresh_from_db()
    return auction


def bid(dealer, auction, **amount):
    """A bid through the API (amount_minor=… or max_amount_minor=…); fails the test unless accepted."""
    response = token_client(dealer).post(f"/api/v1/auctions/{auction.pk}/bids/", amount, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def make_overdue(sale):
    """The payment deadline passes and the beat task marks the sale overdue."""
    from payments.models import Sale
    from payments.tasks import sales_mark_overdue_task

    Sale.objects.filter(pk=sale.pk).update(payment_deadline=db_now() - timedelta(minutes=1))
    sales_mark_overdue_task.apply()
    sale.refresh_from_db()
    assert sale.status == Sale.Status.OVERDUE
    return sale


from tests.live.conftest import private_redis  # noqa: E402, F401  (a Redis of the test's own, to stop)
from tests.security.conftest import world  # noqa: E402, F401  (a user of every role, a car at each stage)
