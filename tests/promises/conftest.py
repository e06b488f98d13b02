"""Helpers for the promise tests: API clients as a real client holds them, and requests sent at the same moment."""

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from accounts.services import token_for


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


from tests.live.conftest import private_redis  # noqa: E402, F401  (a Redis of the test's own, to stop)
from tests.security.conftest import world  # noqa: E402, F401  (a user of every role, a car at each stage)
