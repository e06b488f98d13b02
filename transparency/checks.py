"""A start-up check: the configured log key loads (a broken key stops the app, not the first bid)."""

from django.conf import settings
from django.core.checks import Error, register

from transparency.keys import log_key
from transparency.signing import SigningKeyError


@register()
def log_key_check(app_configs, **kwargs):
    if settings.DEBUG and not settings.GAVEL_LOG_PRIVATE_KEY:
        return []  # development: the key file is made on first use
    try:
        log_key()
    except SigningKeyError as exc:
        return [Error(f"The transparency log key cannot be used: {exc}", id="transparency.E001",
                      hint="Set GAVEL_LOG_PRIVATE_KEY or GAVEL_LOG_KEY_FILE (manage.py transparency_key_create).")]
    return []
