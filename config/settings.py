"""Gavel settings: one module, driven by environment variables.

Every value has a safe development default so `make run` works on a fresh machine;
production is DEBUG=0 plus SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GAVEL_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed, obviously-insecure key so sessions survive restarts.
    SECRET_KEY = "dev-insecure-gavel-key-do-not-use-in-production-0123456789abcdefghij"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
    "csp",
    "axes",
    "core",
    "accounts",
    "marketplace",
    "inspections",
    "auctions",
    "payments",
    "live",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # A NUL character in the path, query, headers or form fields: a 400 before any view reads it.
    "core.middleware.TextInputMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.gavel",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Database: DATABASE_URL (postgres://... in production and CI); SQLite in var/ otherwise.
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gavel.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
                                              conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing, and take the
    # write lock at BEGIN so two writers never deadlock on a lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
    if env_bool("DB_POOL", True):
        # Under ASGI every request runs in a fresh thread, so per-thread persistent connections
        # leak; psycopg 3's pool hands each request a warm connection instead.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        _options["pool"] = {"min_size": env_int("DB_POOL_MIN", 2), "max_size": env_int("DB_POOL_MAX", 12),
                            "timeout": env_int("DB_POOL_TIMEOUT", 10)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "gavel"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

CHANNEL_LAYERS = {
    "default": {
        # One PUBLISH per event; measured 4-5x faster fan-out than the list-based layer.
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            # redis-py 8 defaults socket_timeout to 5 s, which drops idle subscriber
            # connections (channels_redis issue 422).
            "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
            "prefix": env_str("CHANNELS_PREFIX", "gavel"),
        },
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_ENGINE = "core.sessions"  # database sessions that ignore keys Django never issues
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Django serves the uploaded photos at MEDIA_URL (core.views.media: image types only, nosniff, sandboxed);
# turn it off when a proxy or object storage serves them.
GAVEL_SERVE_MEDIA = env_bool("GAVEL_SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Where django.core.mail.backends.filebased.EmailBackend writes (one file per connection).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Gavel <no-reply@gavel.test>")

# Security: strict by default when DEBUG is off; each one can be relaxed behind a proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", False) else None
# Behind the proxy (deploy/nginx.conf) every request comes from the proxy's address: the client's is in
# X-Real-IP, which the proxy overwrites. Rate limits and the login lockout key on it. Never set this without
# such a proxy in front, or clients choose their own address.
TRUST_X_REAL_IP = env_bool("TRUST_X_REAL_IP", False)
if TRUST_X_REAL_IP:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_REAL_IP", "REMOTE_ADDR")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy: scripts only from our own static files, never inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'", "ws:", "wss:"] if DEBUG else ["'self'", "wss:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bodies through core.parsers: JSON depth-limited, and no text that PostgreSQL cannot store.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser", "core.parsers.FormParser", "core.parsers.MultiPartParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "core.openapi.GavelAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gavel API",
    "DESCRIPTION": "Gavel: sellers list cars, inspectors publish reports, verified dealers bid, escrow settles.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Failed-login lockout (django-axes): 5 failures for one email from one address lock that pair
# for 15 minutes; pages and the token API answer 429 meanwhile.
AXES_FAILURE_LIMIT = env_int("GAVEL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GAVEL_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Rate limits ("<n>/<s|min|hour|day>"), counted atomically in Redis by core.ratelimit and failing open: token
# logins and API sign-ups per client address, page sign-ups per client address. Bids and uploads: see below.
GAVEL_LOGIN_RATE = env_str("GAVEL_LOGIN_RATE", "30/min")
GAVEL_SIGNUP_RATE = env_str("GAVEL_SIGNUP_RATE", "10/hour")
GAVEL_SIGNUP_PAGE_RATE = env_str("GAVEL_SIGNUP_PAGE_RATE", "10/h")

# Celery: Redis is the broker. Results are not kept; tasks report through the database.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_timeout": 5, "socket_connect_timeout": 2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}

# Marketplace money: integer minor units in one configured currency.
GAVEL_CURRENCY = env_str("GAVEL_CURRENCY", "EUR")
GAVEL_DEFAULT_BUYING_LIMIT_MINOR = env_int("GAVEL_DEFAULT_BUYING_LIMIT_MINOR", 50_000_00)
GAVEL_SITE_NAME = "Gavel"
# Where people write to us, e.g. an owner whose car someone else listed (told on the refused submission).
GAVEL_SUPPORT_EMAIL = env_str("GAVEL_SUPPORT_EMAIL", "support@gavel.test")
# Notifications' emails go out through Celery after commit; off only for in-process tests.
GAVEL_NOTIFY_ASYNC = env_bool("GAVEL_NOTIFY_ASYNC", True)

# Listings: the highest reserve a seller may set (minor units) and the photo limits.
GAVEL_RESERVE_CEILING_MINOR = env_int("GAVEL_RESERVE_CEILING_MINOR", 500_000_00)
GAVEL_PHOTO_MAX_BYTES = env_int("GAVEL_PHOTO_MAX_BYTES", 15 * 1024 * 1024)
GAVEL_PHOTO_MAX_PIXELS = env_int("GAVEL_PHOTO_MAX_PIXELS", 40_000_000)
GAVEL_LISTING_MAX_PHOTOS = env_int("GAVEL_LISTING_MAX_PHOTOS", 30)
# Requests carrying photos per user (listing photos, inspection photos, dispute evidence; API and pages
# together), as "<n>/<s|min|hour|day>"; the next one in the window is answered 429.
GAVEL_UPLOAD_RATE = env_str("GAVEL_UPLOAD_RATE", "60/min")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Auctions (issue 5). Money in minor units, times in minutes/hours/seconds.
def _bid_ladder(raw: str):
    """GAVEL_BID_INCREMENTS as JSON: [[upper_bound_minor_or_null, increment_minor], …], last bound null."""
    import json

    try:
        ladder = tuple((upper, int(step)) for upper, step in json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"GAVEL_BID_INCREMENTS must be JSON [[upper|null, step], …]: {exc}")
    if not ladder or ladder[-1][0] is not None or any(step <= 0 for _, step in ladder):
        raise ImproperlyConfigured("GAVEL_BID_INCREMENTS needs positive steps and a last band with a null bound.")
    return ladder


GAVEL_BID_INCREMENTS = (
    _bid_ladder(env_str("GAVEL_BID_INCREMENTS")) if env_str("GAVEL_BID_INCREMENTS")
    else ((5_000_00, 50_00), (20_000_00, 100_00), (None, 250_00))
)
GAVEL_AUCTION_DEFAULT_MINUTES = env_int("GAVEL_AUCTION_DEFAULT_MINUTES", 20)
GAVEL_SOFT_CLOSE_MINUTES = env_int("GAVEL_SOFT_CLOSE_MINUTES", 2)
# The soft-close window in seconds; GAVEL_SOFT_CLOSE_SECONDS overrides the minutes (the end-to-end journey test
# runs a whole auction in well under a minute of soft close).
GAVEL_SOFT_CLOSE_SECONDS = env_int("GAVEL_SOFT_CLOSE_SECONDS", GAVEL_SOFT_CLOSE_MINUTES * 60)
GAVEL_SELLER_DECISION_HOURS = env_int("GAVEL_SELLER_DECISION_HOURS", 24)
# Bids per dealer, page and API together ("<n>/<s|min|hour|day>", auctions.bid_policy); the benchmarks raise it.
GAVEL_BID_RATE = env_str("GAVEL_BID_RATE", "30/min")
GAVEL_AUCTION_SWEEP_SECONDS = env_int("GAVEL_AUCTION_SWEEP_SECONDS", 3)
GAVEL_AUCTION_SWEEP_BATCH = env_int("GAVEL_AUCTION_SWEEP_BATCH", 50)
GAVEL_AUCTION_ENQUEUE_AHEAD_MINUTES = env_int("GAVEL_AUCTION_ENQUEUE_AHEAD_MINUTES", 10)
GAVEL_SITE_URL = env_str("GAVEL_SITE_URL", "http://127.0.0.1:8000")
# Closing on time gets its own queue, so a backlog of emails never delays a close: every worker consumes
# both queues unless told otherwise (`-Q`); production runs a dedicated closer (`-Q closing`).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {"celery": {}, "closing": {}}
CELERY_TASK_ROUTES = {
    **{f"payments.tasks.{name}": {"queue": "closing"} for name in (
        "auction_close_task", "auctions_close_due_task", "auctions_enqueue_closing_task")},
    "auctions.tasks.auctions_start_due_task": {"queue": "closing"},
}
CELERY_BEAT_SCHEDULE.update({
    "auctions-start-due": {"task": "auctions.tasks.auctions_start_due_task",
                           "schedule": float(GAVEL_AUCTION_SWEEP_SECONDS)},
    "auctions-close-due": {"task": "payments.tasks.auctions_close_due_task",
                           "schedule": float(GAVEL_AUCTION_SWEEP_SECONDS)},
    "auctions-enqueue-closing": {"task": "payments.tasks.auctions_enqueue_closing_task", "schedule": 60.0},
    "auctions-decisions-expire": {"task": "auctions.tasks.auction_decisions_expire_task", "schedule": 60.0},
})
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update({
    "AuctionStatusEnum": "auctions.models.Auction.Status",
    "AuctionOutcomeEnum": "auctions.models.Auction.Outcome",
    "ListingStatusEnum": "marketplace.models.Listing.Status",
    # The `role` of each role-shaped auction answer (the discriminator of AuctionListItemOutput/AuctionDetailOutput).
    "AuctionDealerRoleEnum": ["dealer"],
    "AuctionSellerRoleEnum": ["seller"],
    "AuctionStaffRoleEnum": ["staff"],
})
# Inspections: a report flags the odometer when it differs from the seller's mileage by more than this
# many km (exactly the margin is fine); the most photos one report may hold.
GAVEL_ODOMETER_MARGIN_KM = env_int("GAVEL_ODOMETER_MARGIN_KM", 1_000)
GAVEL_INSPECTION_MAX_PHOTOS = env_int("GAVEL_INSPECTION_MAX_PHOTOS", 300)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["InspectionStatusEnum"] = (
    "inspections.models.Inspection.Status")


# Payments (issue 7): settlement, escrow ledger, payouts. Money in minor units of GAVEL_CURRENCY.
def _fee_bands(raw: str):
    """GAVEL_BUYER_FEE_BANDS as JSON: [[upper_bound_minor_or_null, {"flat_minor": n} | {"bps": n}], …].

    A hammer price up to and including a band's upper bound pays that band's fee; the last band has a null
    bound. Basis points (1/100 of a percent) keep rates in integers."""
    import json

    try:
        bands = tuple((upper, dict(fee)) for upper, fee in json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"GAVEL_BUYER_FEE_BANDS must be JSON [[upper|null, {{fee}}], …]: {exc}")
    if not bands or bands[-1][0] is not None:
        raise ImproperlyConfigured("GAVEL_BUYER_FEE_BANDS needs a last band with a null bound.")
    return bands


GAVEL_BUYER_FEE_BANDS = (
    _fee_bands(env_str("GAVEL_BUYER_FEE_BANDS")) if env_str("GAVEL_BUYER_FEE_BANDS")
    else ((5_000_00, {"flat_minor": 199_00}), (15_000_00, {"flat_minor": 299_00}),
          (30_000_00, {"flat_minor": 399_00}), (None, {"bps": 150}))
)
GAVEL_SELLER_FEE_MINOR = env_int("GAVEL_SELLER_FEE_MINOR", 0)
# The published fee schedule new sales use (payments/schedules/<version>.json); each sale records the version.
GAVEL_FEE_SCHEDULE_VERSION = env_str("GAVEL_FEE_SCHEDULE_VERSION", "fees-v1")
GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS = env_int("GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS", 2)
GAVEL_DISPUTE_WINDOW_DAYS = env_int("GAVEL_DISPUTE_WINDOW_DAYS", 7)
# How long a seller has to accept or refuse a price adjustment from the collection check.
GAVEL_ADJUSTMENT_DECISION_HOURS = env_int("GAVEL_ADJUSTMENT_DECISION_HOURS", 48)
GAVEL_SECOND_CHANCE_HOURS = env_int("GAVEL_SECOND_CHANCE_HOURS", 24)
# How long a seller has to answer whether the next bidder may buy below the reserve (then it counts as declined).
GAVEL_SELLER_CONSENT_HOURS = env_int("GAVEL_SELLER_CONSENT_HOURS", 24)
GAVEL_BANK_IBAN = env_str("GAVEL_BANK_IBAN", "DE89 3704 0044 0532 0130 00")
GAVEL_BANK_BIC = env_str("GAVEL_BANK_BIC", "COBADEFFXXX")
GAVEL_BANK_ACCOUNT_NAME = env_str("GAVEL_BANK_ACCOUNT_NAME", "Gavel Escrow GmbH")
GAVEL_CARD_WEBHOOK_SECRET = env_str("GAVEL_CARD_WEBHOOK_SECRET")
if not GAVEL_CARD_WEBHOOK_SECRET:
    if not DEBUG:
        raise ImproperlyConfigured("GAVEL_CARD_WEBHOOK_SECRET must be set when DEBUG is off.")
    GAVEL_CARD_WEBHOOK_SECRET = "dev-insecure-card-webhook-secret"
GAVEL_CARD_WEBHOOK_TOLERANCE_SECONDS = env_int("GAVEL_CARD_WEBHOOK_TOLERANCE_SECONDS", 300)
# The simulated card provider exists for development and tests; production turns it off.
GAVEL_SIMULATED_CARD_ENABLED = env_bool("GAVEL_SIMULATED_CARD_ENABLED", DEBUG)
# Dotted path of the payout provider class (payments.providers.base.PayoutProvider); tests swap in doubles.
GAVEL_PAYOUT_PROVIDER = env_str("GAVEL_PAYOUT_PROVIDER", "payments.providers.bank.BankPayoutProvider")
GAVEL_PAYOUT_MAX_ATTEMPTS = env_int("GAVEL_PAYOUT_MAX_ATTEMPTS", 5)
GAVEL_SALES_SWEEP_BATCH = env_int("GAVEL_SALES_SWEEP_BATCH", 100)
CELERY_BEAT_SCHEDULE.update({
    "payments-payouts-pending": {"task": "payments.tasks.payouts_release_pending_task", "schedule": 300.0},
    "payments-sales-overdue": {"task": "payments.tasks.sales_mark_overdue_task", "schedule": 300.0},
    "payments-second-chance-expire": {"task": "payments.tasks.second_chance_expire_task", "schedule": 300.0},
    "payments-adjustments-lapse": {"task": "payments.tasks.adjustment_requests_lapse_task", "schedule": 300.0},
    "payments-seller-consents-expire": {"task": "payments.tasks.second_chance_consents_expire_task",
                                        "schedule": 300.0},
    "payments-sales-complete": {"task": "payments.tasks.sales_complete_due_task", "schedule": 3600.0},
    "payments-sales-open-missing": {"task": "payments.tasks.sales_open_missing_task", "schedule": 60.0},
})
# Live updates (WebSockets): at most one frame per auction per socket every LIVE_COALESCE_MS (newer state
# replaces a waiting one); the watchdog pings the channel layer every LIVE_WATCHDOG_SECONDS and closes the
# sockets of a worker whose ping is lost, so pages resync. LIVE_EVENT_TIMESTAMPS adds `committed_at` to
# frames (benchmarks measure commit -> receipt with it).
LIVE_COALESCE_MS = env_int("LIVE_COALESCE_MS", 50)
LIVE_WATCHDOG_SECONDS = env_int("LIVE_WATCHDOG_SECONDS", 1)
LIVE_WATCHDOG_TIMEOUT_SECONDS = env_int("LIVE_WATCHDOG_TIMEOUT_SECONDS", 2)
LIVE_EVENT_TIMESTAMPS = env_bool("GAVEL_EVENT_TIMESTAMPS", False)
