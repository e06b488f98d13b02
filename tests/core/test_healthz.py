import pytest
from django.db import connections

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_reports_each_part_and_the_worker_is_down_without_one(client, redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "up", "redis": "up", "celery": "down"}


def test_healthz_sees_a_real_celery_worker(client, celery_worker_process):
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "database": "up", "redis": "up", "celery": "up"}


def test_healthz_reports_redis_down_without_failing(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["redis"] == "down" and response.json()["celery"] == "down"


@pytest.mark.postgres
def test_healthz_is_503_when_the_database_is_down_and_recovers_when_it_returns(client):
    connection = connections["default"]
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: a real connection failure
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"] == "down" and response.json()["status"] == "down"
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert client.get("/healthz").json()["database"] == "up"
