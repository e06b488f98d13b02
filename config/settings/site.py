"""The marketplace as a whole: its name and address, the one currency every amount is in, where people write
to us, and how notifications' emails leave."""

from config.settings.django import VAR_DIR
from config.settings.env import env_bool, env_currency, env_int, env_str

GAVEL_SITE_NAME = "Gavel"
GAVEL_SITE_URL = env_str("GAVEL_SITE_URL", "http://127.0.0.1:8000")
# Marketplace money: integer minor units in one configured currency (one core.money formats).
GAVEL_CURRENCY = env_currency("GAVEL_CURRENCY", "EUR")
# Where people write to us, e.g. an owner whose car someone else listed (told on the refused submission).
GAVEL_SUPPORT_EMAIL = env_str("GAVEL_SUPPORT_EMAIL", "support@gavel.test")
# Notifications' emails go out through Celery after commit; off only for in-process tests.
GAVEL_NOTIFY_ASYNC = env_bool("GAVEL_NOTIFY_ASYNC", True)

# `manage.py backup`: where backups go and how many it keeps (older ones deleted after a new one is complete).
GAVEL_BACKUP_DIR = env_str("GAVEL_BACKUP_DIR", str(VAR_DIR / "backups"))
GAVEL_BACKUP_KEEP = env_int("GAVEL_BACKUP_KEEP", 7, minimum=0)

# Web push (core.push): the VAPID key pair (base64url: the raw 32-byte private key, the 65-byte public point) and
# the contact push services may write to. Without a private key, web push is off.
GAVEL_VAPID_PRIVATE_KEY = env_str("GAVEL_VAPID_PRIVATE_KEY")
GAVEL_VAPID_PUBLIC_KEY = env_str("GAVEL_VAPID_PUBLIC_KEY")
GAVEL_VAPID_SUBJECT = env_str("GAVEL_VAPID_SUBJECT", "mailto:support@gavel.test")

# A bid's after-commit effects (live frames, the outbid notice, receipts) leave through the outbox, one Redis write,
# delivered by `manage.py outbox_worker` (core.outbox); off: published and queued one by one (in-process tests).
GAVEL_OUTBOX = env_bool("GAVEL_OUTBOX", True)
