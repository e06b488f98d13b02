"""Failed-login lockout and rate limits on login and sign-up: clear 429s, never a 500."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD, SellerFactory

pytestmark = pytest.mark.django_db


def test_five_failed_page_logins_lock_the_account_from_that_address_even_for_the_right_password(client, settings):
    user = SellerFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong-wrong-1"})
        assert response.status_code == 200
    locked = client.post(reverse("accounts:login"), {"username": user.email.upper(), "password": "wrong-wrong-1"})
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    assert int(locked["Retry-After"]) == 15 * 60

    again = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert again.status_code == 429
    assert not again.wsgi_request.user.is_authenticated


def test_the_lockout_is_per_account_and_address(client, settings):
    victim, other = SellerFactory(), SellerFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": victim.email, "password": "wrong-wrong-1"})
    from_elsewhere = client.post(reverse("accounts:login"), {"username": victim.email, "password": PASSWORD},
                                 REMOTE_ADDR="198.51.100.7")
    other_account = client.post(reverse("accounts:login"), {"username": other.email, "password": PASSWORD})
    assert from_elsewhere.status_code == 302 and other_account.status_code == 302


def test_the_token_api_locks_out_with_a_json_429(api_client, settings):
    user = SellerFactory()
    codes = [api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "nope-nope-1"}).status_code
             for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert codes[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1) and codes[-1] == 429
    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out" and response.json()["retry_after_seconds"] == 900


def test_a_successful_login_resets_the_failure_count(client, settings):
    user = SellerFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong-wrong-1"})
    assert client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("accounts:login"),
                           {"username": user.email, "password": "wrong-wrong-1"}).status_code == 200


def test_token_requests_are_rate_limited_with_a_clear_429(api_client, settings):
    settings.GAVEL_LOGIN_RATE = "3/min"
    user = SellerFactory()
    codes = [api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.json()["code"] == "throttled" and response.json()["retry_after_seconds"] > 0
    assert int(response["Retry-After"]) > 0


def test_api_signups_are_rate_limited_per_address(api_client):
    # The default is 10 an hour from one address.
    for n in range(10):
        response = api_client.post("/api/v1/auth/signup/seller/", {
            "email": f"flood{n}@example.test", "password": "a-long-passphrase-7", "full_name": "F"})
        assert response.status_code == 201
    refused = api_client.post("/api/v1/auth/signup/seller/", {
        "email": "flood10@example.test", "password": "a-long-passphrase-7", "full_name": "F"})
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert User.objects.count() == 10


def test_page_signups_are_rate_limited_per_address(client, settings):
    settings.GAVEL_SIGNUP_PAGE_RATE = "2/h"
    data = {"full_name": "F", "phone": "", "password": "a-long-passphrase-7",
            "password_confirm": "a-long-passphrase-7"}
    for n in range(2):
        client.post(reverse("accounts:signup"), {**data, "email": f"page{n}@example.test"})
        client.post(reverse("accounts:logout"))
    refused = client.post(reverse("accounts:signup"), {**data, "email": "page2@example.test"})
    assert refused.status_code == 429 and "Slow down" in refused.content.decode()
    assert User.objects.count() == 2


def test_rate_limits_fail_open_when_redis_is_unreachable(api_client, settings):
    # Changing CACHES makes Django rebuild its cache handlers (setting_changed), here pointing nowhere.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    response = api_client.post("/api/v1/auth/signup/seller/", {
        "email": "open@example.test", "password": "a-long-passphrase-7", "full_name": "O"})
    assert response.status_code == 201


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_behind_the_proxy_limits_key_on_the_real_client_address_and_never_on_a_client_sent_header(
        client, settings, behind_proxy):
    """deploy/nginx.conf overwrites X-Real-IP with the client's address; only then is it trusted. Without the
    proxy the header is the client's own word, so every request from one peer shares one bucket."""
    settings.TRUST_X_REAL_IP = behind_proxy
    settings.GAVEL_SIGNUP_PAGE_RATE = "1/h"
    data = {"full_name": "F", "phone": "", "password": "a-long-passphrase-7",
            "password_confirm": "a-long-passphrase-7"}
    codes = []
    for n, address in enumerate(["203.0.113.7", "198.51.100.9"]):
        response = client.post(reverse("accounts:signup"), {**data, "email": f"proxied{n}@example.test"},
                               HTTP_X_REAL_IP=address)
        codes.append(response.status_code)
        client.post(reverse("accounts:logout"))
    assert codes == ([302, 302] if behind_proxy else [302, 429])
