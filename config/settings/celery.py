"""Celery: Redis is the broker; results are not kept (tasks report through the database). The queues, where each
task goes, and beat's schedule of periodic sweeps, in one place. core.checks fails `manage.py check` when an
entry here names no registered task."""

from config.settings.auctions import GAVEL_AUCTION_SWEEP_SECONDS, GAVEL_IDEMPOTENCY_PRUNE_SECONDS
from config.settings.cache import REDIS_URL
from config.settings.django import TIME_ZONE, VAR_DIR
from config.settings.env import env_str
from config.settings.transparency import GAVEL_TREE_HEAD_SECONDS

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": 3600, "socket_timeout": 5, "socket_connect_timeout": 2}
# Prefixes every key and pub/sub channel Celery uses on Redis (queues, the workers' control channel), so two
# programs on one Redis never take each other's tasks: `make run` sets it; empty keeps Celery's own names.
GAVEL_CELERY_KEY_PREFIX = env_str("GAVEL_CELERY_KEY_PREFIX")
if GAVEL_CELERY_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = GAVEL_CELERY_KEY_PREFIX
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Closing on time gets its own queue, so a backlog of emails never delays a close: every worker consumes
# both queues unless told otherwise (`-Q`); production runs a dedicated closer (`-Q closing`).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES: dict[str, dict] = {"celery": {}, "closing": {}}
CELERY_TASK_ROUTES = {
    **{f"payments.tasks.{name}": {"queue": "closing"} for name in (
        "auction_close_task", "auctions_close_due_task", "auctions_enqueue_closing_task")},
    "auctions.tasks.auctions_start_due_task": {"queue": "closing"},
}

CELERY_BEAT_SCHEDULE = {
    # Auctions: start and close the due ones (the sweeper behind the on-time tasks), hand out closing tasks
    # ahead of time, expire sellers' decisions.
    "auctions-start-due": {"task": "auctions.tasks.auctions_start_due_task",
                           "schedule": float(GAVEL_AUCTION_SWEEP_SECONDS)},
    "auctions-close-due": {"task": "payments.tasks.auctions_close_due_task",
                           "schedule": float(GAVEL_AUCTION_SWEEP_SECONDS)},
    "auctions-enqueue-closing": {"task": "payments.tasks.auctions_enqueue_closing_task", "schedule": 60.0},
    "auctions-decisions-expire": {"task": "auctions.tasks.auction_decisions_expire_task", "schedule": 60.0},
    # Bids' idempotency keys past their window (GAVEL_IDEMPOTENCY_KEY_HOURS), hourly.
    "auctions-idempotency-keys-prune": {"task": "auctions.tasks.idempotency_keys_prune_task",
                                        "schedule": float(GAVEL_IDEMPOTENCY_PRUNE_SECONDS)},
    # The transparency log: a signed tree head every few minutes (and one after every close, on commit).
    "transparency-tree-head": {"task": "transparency.tasks.tree_head_publish_task",
                               "schedule": float(GAVEL_TREE_HEAD_SECONDS)},
    # Payments: payouts, overdue sales and collections, second chances, consents, completed sales, sales a close
    # left unopened.
    "payments-payouts-pending": {"task": "payments.tasks.payouts_release_pending_task", "schedule": 300.0},
    "payments-sales-overdue": {"task": "payments.tasks.sales_mark_overdue_task", "schedule": 300.0},
    "payments-collection-overdue": {"task": "payments.tasks.sales_collection_overdue_task", "schedule": 300.0},
    "payments-second-chance-expire": {"task": "payments.tasks.second_chance_expire_task", "schedule": 300.0},
    "payments-adjustments-lapse": {"task": "payments.tasks.adjustment_requests_lapse_task", "schedule": 300.0},
    "payments-seller-consents-expire": {"task": "payments.tasks.second_chance_consents_expire_task",
                                        "schedule": 300.0},
    "payments-sales-complete": {"task": "payments.tasks.sales_complete_due_task", "schedule": 3600.0},
    # Saved searches: the daily digest emails.
    "saved-search-digests": {"task": "auctions.tasks.saved_search_digests_send_task", "schedule": 86400.0},
    # Webhooks: tries that are due (the long retry delays, and any message the broker lost).
    "webhooks-deliveries-due": {"task": "integrations.tasks.webhook_deliveries_due_task", "schedule": 60.0},
    "payments-sales-open-missing": {"task": "payments.tasks.sales_open_missing_task", "schedule": 60.0},
    # Issued invoices, credit notes and seller statements: their PDF stored within a minute.
    "payments-documents-pdf": {"task": "payments.tasks.documents_pdf_render_pending_task", "schedule": 60.0},
    # Personal data: what is past its retention period (config.settings.privacy) goes, once a day.
    "privacy-retention": {"task": "privacy.tasks.retention_enforce_task", "schedule": 86400.0},
}
