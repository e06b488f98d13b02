from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import openapi  # noqa: F401  (registers the schema's authentication extensions)
        from accounts.media import dealer_document_media_access
        from core.media import resolver_register

        resolver_register(dealer_document_media_access)
