from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"

    def ready(self):
        from core.media import resolver_register
        from marketplace.media import listing_document_media_access, listing_media_access

        resolver_register(listing_media_access)
        resolver_register(listing_document_media_access)
