"""PostgreSQL unreachable: requests get a clean 503 (JSON for the API, a page for the browser),
nothing is half-written, and service resumes when the database is back."""

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.accounts.factories import SellerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class DatabaseDown:
    """Point the connection at a port where nothing listens: a real connection failure."""

    def __enter__(self):
        self.connection = connections["default"]
        self.port = self.connection.settings_dict["PORT"]
        self.connection.close()
        self.connection.settings_dict["PORT"] = "1"

    def __exit__(self, *exc):
        self.connection.close()
        self.connection.settings_dict["PORT"] = self.port


def test_api_and_pages_answer_503_while_the_database_is_down_and_recover_after(client, api_client):
    seller = SellerFactory()
    token = Token.objects.create(user=seller).key
    client.force_login(seller)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with DatabaseDown():
        api = api_client.get("/api/v1/me/")
        page = client.get("/accounts/dashboard/")
        signup = api_client.post("/api/v1/auth/signup/seller/", {
            "email": "new@example.test", "password": "a-long-passphrase-7", "full_name": "New"})

    assert api.status_code == 503 and api.json()["code"] == "service_unavailable" and api["Retry-After"] == "30"
    assert page.status_code == 503 and "right back" in page.content.decode()
    assert signup.status_code == 503
    assert not User.objects.filter(email="new@example.test").exists()  # nothing half-written
    assert api_client.get("/api/v1/me/").status_code == 200
    assert client.get("/accounts/dashboard/").status_code == 200
