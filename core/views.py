import logging
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe
from django.views.generic import TemplateView
from django.views.static import serve
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.http import AuthenticatedHttpRequest
from core import health
from core.media import media_access
from core.media import signature_valid as media_signature_valid
from core.models import Notification
from core.notifications import notification_preferences_get, notification_preferences_set, notifications_mark_read
from core.push import push_enabled

logger = logging.getLogger(__name__)


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
    """Ready to serve: 200 when every part Gavel needs answers — the database, Redis (cache, broker, live
    updates) and at least one Celery worker (auctions close through it) — else 503 naming the parts that are
    down. For "is the process up" (a container's liveness probe) see livez."""
    database = health.database_up()
    redis_ok = health.redis_up()
    celery_ok = health.celery_up() if redis_ok else False
    parts = {"database": database, "redis": redis_ok, "celery": celery_ok}
    down = [name for name, up in parts.items() if not up]
    body = {"status": "down" if down else "ok", **{name: "up" if up else "down" for name, up in parts.items()},
            "down": down}
    response = JsonResponse(body, status=503 if down else 200)
    if down:
        # An answer, not a failure of this request: a WARNING that names the parts (Django would log an ERROR).
        log_response("health: %s down", ", ".join(down), response=response, request=request, level="warning",
                     logger=logger)
    return response


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on every page without a <link rel=icon> (the admin, the API docs)."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


@never_cache
@require_GET
def livez(request):
    """The process is up and answering; nothing else is asked (a restart would not mend the database)."""
    return JsonResponse({"status": "ok"})


# Photos are files Gavel re-encoded itself (marketplace.images), named by their format; documents are served with
# the type their owner recorded (core.media.MediaAccess.content_type).
MEDIA_CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def _media_viewer(request):
    """The session's user, or an API client's (the API hands out these links too, to token clients)."""
    if request.user.is_authenticated or "HTTP_AUTHORIZATION" not in request.META:
        return request.user
    try:
        return Request(request, authenticators=APIView().get_authenticators()).user
    except APIException:
        return AnonymousUser()


@require_safe
def media(request, path):
    """Uploaded files from MEDIA_ROOT (local disk). A public file (a published listing's photo) to anyone; any
    other only with an unexpired `sig` (core.media.signed_url) and to a viewer its owning app allows — a draft's
    photo link passed to a stranger, or kept past its time, opens nothing. A name no app owns is not served.
    The type is fixed here rather than guessed, with `nosniff` (SecurityMiddleware) and a sandboxing CSP: whatever
    a file holds, a browser never runs it as a page."""
    access = media_access(path)
    if access is None:
        raise Http404(_("No such file."))
    if not access.public:
        if not media_signature_valid(path, request.GET.get("sig", "")):
            raise PermissionDenied(_("This link has expired or is not valid. Reload the page for a new one."))
        if not access.may_view(_media_viewer(request)):
            raise Http404(_("No such file."))
    content_type = access.content_type or MEDIA_CONTENT_TYPES.get(PurePosixPath(path).suffix.lower())
    if content_type is None:
        raise Http404(_("No such file."))
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))  # refuses ../ and directories with 404
    response["Content-Type"] = content_type
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # A document (a PDF) is downloaded: a browser's PDF viewer does not run under the sandboxing CSP.
    response["Content-Disposition"] = "inline" if content_type.startswith("image/") else "attachment"
    if not access.public:
        response["Cache-Control"] = "private, no-store"
    return response


class NotificationListView(LoginRequiredMixin, TemplateView):
    """Everything Gavel told the user, newest first, with its link; read or not."""

    template_name = "core/notifications.html"
    page_size = 50
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        rows = Notification.objects.filter(user=self.request.user).order_by("-created_at", "-id")
        page = Paginator(rows, self.page_size).get_page(self.request.GET.get("page"))
        return {**super().get_context_data(**kwargs), "page": page}


class NotificationReadView(LoginRequiredMixin, View):
    """POST: mark one notification read (`id`) or all of them; then follow its link or come back to the list."""

    # A notification id is a bigint: more digits than this is no id (and no 5,000-digit int() either).
    ID_DIGITS_MAX = 18

    def post(self, request):
        raw = request.POST.get("id", "").strip()
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= self.ID_DIGITS_MAX):
            messages.error(request, _("No such notification: nothing was marked read."))
            return redirect("notifications")
        notification_id = int(raw) if raw else None
        notifications_mark_read(user=request.user, notification_id=notification_id)
        if notification_id is not None:
            url = Notification.objects.filter(user=request.user, pk=notification_id).values_list("url", flat=True)
            target = url.first() or ""
            if target.startswith("/") and not target.startswith("//"):  # our own pages only: no open redirect
                return redirect(target)
        return redirect("notifications")


class NotificationPreferencesView(LoginRequiredMixin, TemplateView):
    """Per kind of notification: in the app and by email, for the kinds of the user's role."""

    template_name = "core/notification_preferences.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs),
                "preferences": notification_preferences_get(user=self.request.user),
                "vapid_public_key": settings.GAVEL_VAPID_PUBLIC_KEY if push_enabled() else ""}

    def post(self, request):
        kinds = [row["kind"] for row in notification_preferences_get(user=request.user)]
        choices = {kind: {way: request.POST.get(f"{kind}:{way}") == "1" for way in ("in_app", "email", "push")}
                   for kind in kinds}
        notification_preferences_set(user=request.user, choices=choices)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications_preferences")


@require_safe
def service_worker(request):
    """The service worker, from the site's root so that its scope is the whole site (web push, core.push)."""
    return render(request, "core/sw.js", content_type="application/javascript")
