from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from payments import checks, receivers  # noqa: F401  (system checks; the auction_sold receiver)
