from tests.payments.conftest import _eager_celery, _locmem_email, make_sale  # noqa: F401  (the same fixtures)
