"""The whole stack for the end-to-end journey: the ASGI server (uvicorn, so WebSockets work) and a Celery worker
running beat (the closing sweeper, payouts, notification emails), both on the test database and the suite's
Redis, both writing emails to one folder (the file-based backend) and photos to one media folder."""

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

from tests.conftest import start_celery_worker
from tests.live.conftest import Server, start_server, stop

# Short auction timing for the journey; the server and the worker read it from their environment.
SOFT_CLOSE_SECONDS = 15
SWEEP_SECONDS = 1


class _QuickPBKDF2(PBKDF2PasswordHasher):
    iterations = 1_000


def can_log_in_on_the_server(*users) -> None:
    """The suite hashes passwords with MD5 (fast), which the server does not accept: give these users the
    factories' password as a hash the server verifies (PBKDF2, few rounds; it upgrades it at the first login)."""
    from accounts.models import User
    from tests.accounts.factories import PASSWORD

    User.objects.filter(pk__in=[user.pk for user in users]).update(
        password=make_password(PASSWORD, hasher=_QuickPBKDF2()))


@dataclass
class Stack:
    server: Server
    mail_dir: Path
    media_dir: Path

    @property
    def origin(self) -> str:
        return self.server.origin


@pytest.fixture
def journey_stack(redis, transactional_db, tmp_path):
    mail_dir, media_dir, var_dir = tmp_path / "mail", tmp_path / "media", tmp_path / "var"
    for folder in (mail_dir, media_dir, var_dir):
        folder.mkdir()
    env = {
        "GAVEL_SOFT_CLOSE_SECONDS": str(SOFT_CLOSE_SECONDS),
        "GAVEL_AUCTION_SWEEP_SECONDS": str(SWEEP_SECONDS),
        # Emails leave through the worker, as in production.
        "GAVEL_NOTIFY_ASYNC": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "MEDIA_ROOT": str(media_dir),
        "GAVEL_VAR_DIR": str(var_dir),
    }
    worker = start_celery_worker(extra_env=env, beat_schedule=var_dir / "celerybeat-schedule")
    try:
        server = start_server(redis_url=settings.REDIS_URL, extra_env=env)
    except BaseException:
        stop(worker)
        raise
    yield Stack(server=server, mail_dir=mail_dir, media_dir=media_dir)
    stop(server.proc)
    stop(worker)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def failure_screenshots(request, e2e_dir):
    """name -> page: if the test fails, each page as it was is saved as var/e2e/journey-failed-<name>.png."""
    pages: dict = {}
    yield pages
    if getattr(request.node, "call_failed", False):
        for name, page in pages.items():
            try:
                page.screenshot(path=str(e2e_dir / f"journey-failed-{name}.png"), full_page=True)
            except Exception:  # a page that was closed or crashed: the others still count
                pass
