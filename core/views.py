from pathlib import PurePosixPath

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe
from django.views.generic import TemplateView
from django.views.static import serve

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


# The only files Gavel stores are photos it re-encoded itself (marketplace.images), named by their format.
MEDIA_CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


@require_safe
def media(request, path):
    """Uploaded photos from MEDIA_ROOT, by their unguessable names. Only image types are ever served, with the
    type fixed here rather than guessed, `nosniff` (SecurityMiddleware) and a sandboxing CSP: whatever a file
    holds, a browser never runs it as a page."""
    content_type = MEDIA_CONTENT_TYPES.get(PurePosixPath(path).suffix.lower())
    if content_type is None:
        raise Http404("No such photo.")
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))  # refuses ../ and directories with 404
    response["Content-Type"] = content_type
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = "inline"
    return response
