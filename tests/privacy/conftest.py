import pytest

from tests.payments.factories import SaleMaker


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks queued on commit (the payout after a handover) run in-process, unless the test runs a real worker."""
    if "celery_worker_process" in request.fixturenames:
        yield
        return
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def make_sale(db, django_capture_on_commit_callbacks):
    return SaleMaker(django_capture_on_commit_callbacks)
