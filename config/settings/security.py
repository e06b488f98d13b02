"""Security: the secret key, hosts, HTTPS and cookies, the proxy's headers, the content security policy, the
failed-login lockout and the rate limits on logins and sign-ups. Strict by default when DEBUG is off; each
HTTPS setting can be relaxed behind a TLS-terminating proxy."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from config.settings.django import DEBUG
from config.settings.env import env_bool, env_duration, env_int, env_list, env_rate, env_str
from config.settings.storage import MEDIA_ORIGINS

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed, obviously-insecure key so sessions survive restarts.
    SECRET_KEY = "dev-insecure-gavel-key-do-not-use-in-production-0123456789abcdefghij"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

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
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
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
        "img-src": ["'self'", "data:", "blob:", *MEDIA_ORIGINS],
        "connect-src": ["'self'", "ws:", "wss:"] if DEBUG else ["'self'", "wss:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Failed-login lockout (django-axes): GAVEL_LOGIN_FAILURE_LIMIT failures for one email from one address lock
# that pair for GAVEL_LOGIN_COOLOFF_MINUTES; pages and the token API answer 429 meanwhile.
GAVEL_LOGIN_FAILURE_LIMIT = env_int("GAVEL_LOGIN_FAILURE_LIMIT", 5, minimum=1)
GAVEL_LOGIN_COOLOFF_MINUTES = env_duration("GAVEL_LOGIN_COOLOFF_MINUTES", timedelta(minutes=15), unit="minutes")
AXES_FAILURE_LIMIT = GAVEL_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = GAVEL_LOGIN_COOLOFF_MINUTES
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Rate limits ("<n>/<s|min|hour|day>"), counted atomically in Redis by core.ratelimit and failing open: token
# logins and API sign-ups per client address, page sign-ups per client address. Bids: auctions; uploads:
# marketplace.
GAVEL_LOGIN_RATE = env_rate("GAVEL_LOGIN_RATE", "30/min")
GAVEL_SIGNUP_RATE = env_rate("GAVEL_SIGNUP_RATE", "10/hour")
GAVEL_SIGNUP_PAGE_RATE = env_rate("GAVEL_SIGNUP_PAGE_RATE", "10/h")
GAVEL_VERIFY_RESEND_RATE = env_rate("GAVEL_VERIFY_RESEND_RATE", "3/h")

# Account security (accounts.security). An emailed link verifies a new account's address; it is signed and expires
# after GAVEL_EMAIL_VERIFY_HOURS. Until then the account can browse but not list, bid or be paid.
GAVEL_EMAIL_VERIFY_TTL = env_duration("GAVEL_EMAIL_VERIFY_HOURS", timedelta(hours=48), unit="hours")
# TOTP two-factor (django-otp): staff and dealer organisation owners must set it up before anything else; off only
# for the in-process tests of other areas (tests/dbselect.py), whose pages sign dealers in without a second factor.
GAVEL_2FA_REQUIRED = env_bool("GAVEL_2FA_REQUIRED", True)
GAVEL_2FA_ISSUER = env_str("GAVEL_2FA_ISSUER", "Gavel")
# How long a password step waits for its code on the sign-in page before it must be entered again.
GAVEL_2FA_LOGIN_WINDOW = env_duration("GAVEL_2FA_LOGIN_MINUTES", timedelta(minutes=5), unit="minutes")
OTP_TOTP_ISSUER = GAVEL_2FA_ISSUER
