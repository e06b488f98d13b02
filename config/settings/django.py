"""Django itself: where files live, the apps, the middleware, templates, users, language and time, static and
uploaded files. DEBUG is read here first because several concerns take their defaults from it."""

from pathlib import Path

from config.settings.env import env_bool, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Where Gavel writes at run time (make run's embedded PostgreSQL and Valkey, uploaded photos, beat's schedule, the
# file-based mail backend, backups).
VAR_DIR = Path(env_str("GAVEL_VAR_DIR", str(BASE_DIR / "var")))

# Development unless told otherwise: `make run` works on a fresh machine; production is DEBUG=0.
DEBUG = env_bool("DEBUG", True)
# With DEBUG on, a missing page shows Django's technical 404 (the URL patterns tried) only when asked.
GAVEL_DEBUG_404 = env_bool("GAVEL_DEBUG_404", False)

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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "transparency",
    "accounts",
    "integrations",
    "marketplace",
    "inspections",
    "auctions",
    "payments",
    "insights",
    "privacy",
    "live",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the answer: the switcher's cookie, else Accept-Language (a signed-in user's own language
    # wins: core.middleware.UserLanguageMiddleware below).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # A NUL character in the path, query, headers or form fields: a 400 before any view reads it.
    "core.middleware.TextInputMiddleware",
    # The site's 404 page also with DEBUG on, unless GAVEL_DEBUG_404 asks for Django's technical one.
    "core.middleware.NotFoundPageMiddleware",
    # Staff and dealer organisation owners set up two-factor before anything else; a session of someone with a
    # device passes the code step first (accounts.middleware: the allow-list is there).
    "accounts.middleware.TwoFactorMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
# The languages Gavel speaks (every page, form error, email, notification and API error): the reader's choice from
# the switcher (a cookie, and the account's language when signed in: accounts.User.language), else the browser's
# Accept-Language, else English. Catalogues in locale/ (make messages; tests/i18n checks they are complete).
LANGUAGES = [("en-gb", "English"), ("de", "Deutsch"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
# STORAGES: config.settings.storage (local disk or an S3-compatible store).
WHITENOISE_USE_FINDERS = DEBUG
