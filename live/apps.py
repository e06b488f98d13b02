from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Live updates over WebSockets: consumers only read and forward; publishing hooks onto committed events."""

    name = "live"

    def ready(self):
        from live import publishing  # noqa: F401  (connects the receivers)
