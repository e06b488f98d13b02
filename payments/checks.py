"""Settlement's configuration, checked at start-up: the payout provider is a dotted path (tests swap in
doubles), so a typo must fail `manage.py check` and CI, not the first payout."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from payments.providers.base import PayoutProvider


@register()
def check_payout_provider(app_configs, **kwargs):
    path = settings.GAVEL_PAYOUT_PROVIDER
    try:
        provider = import_string(path)
    except Exception as exc:  # noqa: BLE001 - any failure to import is the finding
        return [Error(f"GAVEL_PAYOUT_PROVIDER = {path!r} does not import ({type(exc).__name__}: {exc}).",
                      hint="A dotted path to a payments.providers.base.PayoutProvider subclass.", id="payments.E001")]
    if not (isinstance(provider, type) and issubclass(provider, PayoutProvider)):
        return [Error(f"GAVEL_PAYOUT_PROVIDER = {path!r} is not a PayoutProvider.",
                      hint="A dotted path to a payments.providers.base.PayoutProvider subclass.", id="payments.E001")]
    return []
