"""The request the pages see, as the type checker should read it: django-htmx's middleware gives every request
`htmx`, and past a login check `user` is a signed-in `User`, never `AnonymousUser`."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class GavelHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(GavelHttpRequest):
    user: User
