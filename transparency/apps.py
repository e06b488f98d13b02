from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "transparency"

    def ready(self):
        from transparency import checks  # noqa: F401  (registers the log key check)
