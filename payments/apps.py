from types import SimpleNamespace

from django.apps import AppConfig


def sale_webhook_payload(sale_id: int, user) -> dict | None:
    """A sale in a webhook: as GET /api/v1/sales/<id>/ gives it to `user`."""
    from payments.api import SaleOutputSerializer
    from payments.selectors import sale_get_visible_to

    sale = sale_get_visible_to(user=user, sale_id=sale_id)
    if sale is None:
        return None
    return dict(SaleOutputSerializer(sale, context={"request": SimpleNamespace(user=user)}).data)


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from payments import checks  # noqa: F401  (registers the system checks)
        from payments.providers import simulated_providers_refuse

        simulated_providers_refuse()

        from integrations.payloads import payload_renderer_register

        payload_renderer_register("sale", sale_webhook_payload)

        from core.media import resolver_register
        from payments.media import sale_media_access

        resolver_register(sale_media_access)
