from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from core import health


class SellerLandingView(TemplateView):
    template_name = "core/home.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("accounts:dashboard")
        return super().get(request, *args, **kwargs)


class DealerLandingView(TemplateView):
    template_name = "core/dealers.html"


@never_cache
@require_GET
def healthz(request):
    """200 while the database answers; Redis and the worker are reported, not required."""
    database = health.database_up()
    redis_ok = health.redis_up()
    celery_ok = health.celery_up() if redis_ok else False
    body = {
        "status": "ok" if database and redis_ok and celery_ok else ("degraded" if database else "down"),
        "database": "up" if database else "down",
        "redis": "up" if redis_ok else "down",
        "celery": "up" if celery_ok else "down",
    }
    return JsonResponse(body, status=200 if database else 503)
