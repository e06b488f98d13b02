"""The benchmark's WSGI application: Gavel's, with bench/urls.py (the floor references) as its URL module."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
settings.ROOT_URLCONF = "bench.urls"
application = get_wsgi_application()
