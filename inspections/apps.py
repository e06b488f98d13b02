from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"

    def ready(self):
        from core.media import resolver_register
        from inspections.media import inspection_media_access

        resolver_register(inspection_media_access)
