"""Which log key this process signs with: settings.GAVEL_LOG_PRIVATE_KEY, else the PEM file
settings.GAVEL_LOG_KEY_FILE. In development (DEBUG) the file under var/ is made on first use if `make run`
(`transparency_key_create`) has not made it yet; in production a missing key stops the start
(config/settings/transparency.py, transparency/checks.py).

Rotation (docs/transparency.md): `manage.py transparency_key_create --path NEW.pem`, point GAVEL_LOG_KEY_FILE at
it and restart. Every key that ever signed stays published (LogPublicKey), so old heads and receipts still check.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from transparency.signing import LogKey, SigningKeyError


def key_file_create(path: str | Path) -> tuple[LogKey, bool]:
    """A new key in a new PEM file (owner-only); the existing one when the file is there. (key, created)."""
    key = LogKey.generate()
    try:
        key.write_new_file(path)
    except SigningKeyError:
        if Path(path).exists():
            return LogKey.from_file(path), False
        raise
    return key, True


@lru_cache(maxsize=4)
def _load(private_base64: str, key_file: str, debug: bool) -> LogKey:
    if private_base64:
        return LogKey.from_base64(private_base64)
    if not key_file:
        raise SigningKeyError("no log key: set GAVEL_LOG_PRIVATE_KEY or GAVEL_LOG_KEY_FILE")
    if debug and not Path(key_file).exists():
        return key_file_create(key_file)[0]
    return LogKey.from_file(key_file)


def log_key() -> LogKey:
    """The key the log signs with now (loaded once per process and setting)."""
    return _load(settings.GAVEL_LOG_PRIVATE_KEY, settings.GAVEL_LOG_KEY_FILE, settings.DEBUG)
