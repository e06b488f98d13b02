"""The site's URLs plus media serving, for browser tests (DEBUG is off under test, so config.urls adds none)."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from config.urls import urlpatterns as site_urlpatterns


def media(request, path):
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


urlpatterns = [*site_urlpatterns, re_path(r"^media/(?P<path>.*)$", media)]
