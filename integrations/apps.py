from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations (webhooks)")

    def ready(self):
        from core.outbox import outbox_effect_register
        from integrations.services import webhook_emit

        # A bid's outbid event: the outbox worker looks up the dealer's endpoints, not the bid's request.
        outbox_effect_register("webhook_emit", webhook_emit)
