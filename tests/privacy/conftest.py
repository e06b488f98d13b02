# The payments suite's set-up: emails kept in memory, tasks queued on commit run in-process, sales opened by a real
# auction close (autouse fixtures apply here as they are imported).
from tests.payments.conftest import _eager_celery, _locmem_email, make_sale  # noqa: F401
