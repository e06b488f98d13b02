from django.conf import settings

from core.money import minor_digits


def gavel(request):
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    # The currency and its minor digits go to the page once (<html data-currency…>), for the scripts' money.
    return {"site_name": settings.GAVEL_SITE_NAME, "current_role": role, "currency": settings.GAVEL_CURRENCY,
            "currency_digits": minor_digits(settings.GAVEL_CURRENCY)}
