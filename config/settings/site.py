"""The marketplace as a whole: its name and address, the one currency every amount is in, where people write
to us, and how notifications' emails leave."""

from config.settings.env import env_bool, env_currency, env_str

GAVEL_SITE_NAME = "Gavel"
GAVEL_SITE_URL = env_str("GAVEL_SITE_URL", "http://127.0.0.1:8000")
# Marketplace money: integer minor units in one configured currency (one core.money formats).
GAVEL_CURRENCY = env_currency("GAVEL_CURRENCY", "EUR")
# Where people write to us, e.g. an owner whose car someone else listed (told on the refused submission).
GAVEL_SUPPORT_EMAIL = env_str("GAVEL_SUPPORT_EMAIL", "support@gavel.test")
# Notifications' emails go out through Celery after commit; off only for in-process tests.
GAVEL_NOTIFY_ASYNC = env_bool("GAVEL_NOTIFY_ASYNC", True)
# A bid's after-commit effects (live frames, the outbid notice, receipts) leave through the outbox, one Redis write,
# delivered by `manage.py outbox_worker` (core.outbox); off: published and queued one by one (in-process tests).
GAVEL_OUTBOX = env_bool("GAVEL_OUTBOX", True)
