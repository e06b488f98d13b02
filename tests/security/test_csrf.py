"""CSRF on every form: each template form that posts carries the token, and every route that changes
something refuses a session-authenticated request without one (pages through Django's middleware, the API
through DRF's SessionAuthentication). The routes come from the URL configuration, so a new one is covered."""

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.security.test_permission_matrix import EXCLUDED, _methods, _routes, _url

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

# Routes that take unsafe requests without a CSRF token, and why that is safe.
NO_CSRF_BY_DESIGN = {
    "api:payments-webhook-card": "server-to-server from the card provider, authenticated by an HMAC signature",
    # No session in, no session out: they ignore cookies and answer with a token in the body, so a forged
    # cross-site request neither acts as the victim nor signs the victim in.
    "api:auth-token": "credentials in the body, a token in the answer; no cookie read or set",
    "api:auth-signup-seller": "creates an account and answers with its token; no cookie read or set",
    "api:auth-signup-dealer": "creates an account and answers with its token; no cookie read or set",
}


def _forms(text: str):
    for match in re.finditer(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
        yield match.group(0)


def test_every_form_that_posts_carries_the_csrf_token():
    checked, missing = 0, []
    for path in TEMPLATES.rglob("*.html"):
        for form in _forms(path.read_text()):
            if not re.search(r"""method=["']?post""", form, flags=re.I):
                continue
            checked += 1
            if "{% csrf_token %}" not in form:
                missing.append(f"{path.relative_to(TEMPLATES)}: {form[:80]}")
    assert checked >= 20, f"only {checked} posting forms found: is the template scan still right?"
    assert missing == []


def test_every_unsafe_route_refuses_a_session_request_without_the_token(world):
    people, ids, report_listing = world
    users = {"staff": people["staff"], "seller": people["seller"], "dealer": people["dealer"],
             "inspector": people["inspector"]}
    clients = {}
    for role, user in users.items():
        clients[role] = Client(enforce_csrf_checks=True)
        clients[role].force_login(user)
    tried, accepted = 0, []
    for name, pattern in _routes():
        if name in EXCLUDED or name in NO_CSRF_BY_DESIGN:
            continue
        url = _url(name, pattern, ids, report_listing)
        for method in UNSAFE.intersection(_methods(pattern)):
            for role, client in clients.items():
                response = client.generic(method, url, data="{}", content_type="application/json")
                tried += 1
                if not (response.status_code == 403 and b"CSRF" in response.content):
                    accepted.append(f"{method} {name} as {role}: {response.status_code}")
    assert tried > 100, tried
    assert accepted == [], "unsafe requests got past CSRF:\n" + "\n".join(accepted)


def test_the_exemptions_are_real_routes_that_set_no_session(client):
    names = {name for name, _ in _routes()}
    assert set(NO_CSRF_BY_DESIGN) <= names
    from django.urls import reverse

    response = client.post(reverse("api:auth-signup-seller"), {"email": "nocookie@example.test",
                           "password": "a-long-passphrase-7", "full_name": "N"}, content_type="application/json")
    assert response.status_code == 201 and "sessionid" not in response.cookies
