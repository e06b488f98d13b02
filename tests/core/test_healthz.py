import pytest
from django.db import connections

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_is_503_and_names_the_worker_when_no_worker_runs(client, redis):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "up", "redis": "up", "celery": "down",
                               "down": ["celery"]}


def test_healthz_is_200_with_a_real_celery_worker(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "redis": "up", "celery": "up", "down": []}


def test_healthz_is_503_naming_redis_and_the_worker_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["redis", "celery"]


@pytest.mark.postgres
def test_healthz_is_503_when_the_database_is_down_and_recovers_when_it_returns(client, redis):
    connection = connections["default"]
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: a real connection failure
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"] == "down" and "database" in response.json()["down"]
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert client.get("/healthz").json()["database"] == "up"


@pytest.mark.postgres
def test_livez_is_200_while_the_process_answers_even_with_the_database_down(client):
    connection = connections["default"]
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/livez")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert response.status_code == 200 and response.json() == {"status": "ok"}
