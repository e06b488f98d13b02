from django.conf import settings

from core.money import minor_digits
from core.notifications import notification_unread_count


def gavel(request):
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    # The currency and its minor digits go to the page once (<html data-currency…>), for the scripts' money.
    context = {"site_name": settings.GAVEL_SITE_NAME, "current_role": role, "currency": settings.GAVEL_CURRENCY,
               "currency_digits": minor_digits(settings.GAVEL_CURRENCY)}
    if role is not None:
        # The bell's count: a callable, so only a page that shows the bell runs the query.
        context["unread_notifications"] = lambda: notification_unread_count(user=user)
    return context
