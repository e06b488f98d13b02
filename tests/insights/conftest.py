import pytest

from tests.payments.conftest import _eager_celery, _locmem_email, make_sale  # noqa: F401  (the real sale flow)


@pytest.fixture
def page_client():
    """page_client(user) -> a logged-in Django test client, like a browser."""
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
