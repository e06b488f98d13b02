"""The request the pages and the API see, as the type checker should read it: django-htmx's middleware gives every
request `htmx`, and past a login check (`LoginRequiredMixin`, DRF's `IsAuthenticated`) `user` is a signed-in `User`,
never `AnonymousUser`."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from accounts.models import User


class GavelHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(GavelHttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User
