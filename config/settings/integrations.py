"""Webhooks (docs/webhooks.md): the retry schedule, the receiver's time to answer, and the test suite's way in.

A failed delivery is tried again after GAVEL_WEBHOOK_RETRY_BASE_SECONDS, then twice as long each time, until the
tries span GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS (24 h); an endpoint failing for that whole window is disabled.
GAVEL_WEBHOOK_ALLOW_LOOPBACK lets endpoints on 127.0.0.1/::1 in (the tests' local receivers); private and
link-local addresses stay refused. Plain http:// endpoints are accepted only with DEBUG."""

from config.settings.env import env_bool, env_duration_count, env_int

GAVEL_WEBHOOK_RETRY_BASE_SECONDS = env_duration_count("GAVEL_WEBHOOK_RETRY_BASE_SECONDS", 30, unit="seconds")
GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS = env_duration_count("GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600, unit="seconds")
GAVEL_WEBHOOK_TIMEOUT_SECONDS = env_int("GAVEL_WEBHOOK_TIMEOUT_SECONDS", 5, minimum=1, maximum=30)
GAVEL_WEBHOOK_ALLOW_LOOPBACK = env_bool("GAVEL_WEBHOOK_ALLOW_LOOPBACK", False)
