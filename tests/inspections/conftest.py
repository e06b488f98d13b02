import pytest
from django.test import Client


@pytest.fixture
def page_client():
    """page_client(user) -> a logged-in Django test client posting form data, like a browser."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
