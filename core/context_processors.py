from django.conf import settings


def gavel(request):
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {"site_name": settings.GAVEL_SITE_NAME, "current_role": role, "currency": settings.GAVEL_CURRENCY}
