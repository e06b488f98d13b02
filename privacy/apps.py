from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data (issue 19): a person's data export and the closing of their account, composed from every app's
    own selector and eraser; the retention periods' sweep. Last in the app order: it may read them all."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Personal data")
