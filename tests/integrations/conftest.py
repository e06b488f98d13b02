import pytest

from tests.integrations.receiver import start_receiver
from tests.live.conftest import asgi_server  # noqa: F401  (the browser test runs on the real ASGI server)


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GAVEL_WEBHOOK_ALLOW_LOOPBACK = True
    settings.DEBUG = True  # the local receiver speaks plain http, which only a DEBUG server may use


@pytest.fixture
def receiver():
    """receiver(statuses) -> a started local HTTP receiver answering with those statuses in turn."""
    servers = []

    def start(statuses=None, **kwargs):
        state, server = start_receiver(statuses, **kwargs)
        servers.append(server)
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
