"""The transparency log (docs/transparency.md): its Ed25519 signing key and how often beat signs a tree head.

GAVEL_LOG_PRIVATE_KEY (base64 of the 32 raw bytes) or the PEM file GAVEL_LOG_KEY_FILE. In development the file
defaults to var/ and is made on first start (`make run`, `manage.py transparency_key_create`); production refuses
to start without one of them (and transparency.E001 refuses a key that does not load)."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.django import DEBUG, VAR_DIR
from config.settings.env import env_duration_count, env_str

GAVEL_LOG_PRIVATE_KEY = env_str("GAVEL_LOG_PRIVATE_KEY")
GAVEL_LOG_KEY_FILE = env_str("GAVEL_LOG_KEY_FILE") or (str(VAR_DIR / "gavel-log-key.pem") if DEBUG else "")
if not DEBUG and not (GAVEL_LOG_PRIVATE_KEY or GAVEL_LOG_KEY_FILE):
    raise ImproperlyConfigured("GAVEL_LOG_PRIVATE_KEY or GAVEL_LOG_KEY_FILE must be set when DEBUG is off: the "
                               "transparency log signs with it (manage.py transparency_key_create makes one).")
# Signed tree heads: every few minutes (beat) and after every close.
GAVEL_TREE_HEAD_SECONDS = env_duration_count("GAVEL_TREE_HEAD_SECONDS", 180, unit="seconds")
