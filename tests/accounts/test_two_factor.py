"""Two-factor sign-in (accounts.security, accounts.middleware), from the outside: set-up with a QR code and a
secret confirmed by a code, ten recovery codes shown once, the code asked after the password, required of staff
and dealer organisation owners before anything else (only set-up, the code step, logout and static files answer
meanwhile), optional for everyone else, and API keys/tokens unchanged."""

import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import security
from accounts.models import User
from accounts.services import token_for
from core.models import AuditLog
from tests.accounts.factories import PASSWORD, DealerFactory, SellerFactory, StaffFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.GAVEL_2FA_REQUIRED = True


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now (or `steps_ahead` 30-second steps later: a code not yet used)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def set_up(client, user) -> list[str]:
    """Through the set-up page: scan (read the pending device), confirm with a code; the recovery codes shown."""
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    confirmed = client.post(reverse("accounts:two_factor_setup"), {"code": code_for(device)})
    assert confirmed.status_code == 201
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", confirmed.content.decode())


def sign_in(client, user, *, next_url: str = ""):
    data = {"username": user.email, "password": PASSWORD}
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


def test_the_set_up_page_shows_a_qr_code_and_the_secret_and_a_right_code_turns_it_on_with_ten_recovery_codes(client):
    seller = SellerFactory()
    client.force_login(seller)
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert "<svg" in page and "data-two-factor-qr" in page
    device = TOTPDevice.objects.get(user=seller, confirmed=False)
    assert re.sub(r"\s", "", re.search(r"data-two-factor-secret>([^<]+)<", page).group(1)) \
        == security.totp_secret_text(device=device).replace(" ", "")

    wrong = client.post(reverse("accounts:two_factor_setup"), {"code": "000000" if code_for(device) != "000000"
                                                                else "111111"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    seller.refresh_from_db()
    assert not seller.two_factor_enabled
    time.sleep(1.1)  # django-otp makes the next try wait a second after a wrong code (doubling each time)

    codes = set_up(client, seller)
    seller.refresh_from_db()
    assert seller.two_factor_enabled and len(codes) == 10 == len(set(codes))
    assert set(StaticToken.objects.filter(device__user=seller).values_list("token", flat=True)) == set(codes)
    assert AuditLog.objects.filter(reason="Two-factor set up", object_id=seller.pk).exists()
    # Shown once: the page now says it is on, and shows no codes.
    again = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert "data-two-factor-on" in again and codes[0] not in again


def test_sign_in_asks_for_the_code_after_the_password_and_signs_in_only_with_a_right_one(client):
    seller = SellerFactory()
    client.force_login(seller)
    codes = set_up(client, seller)
    client.post(reverse("accounts:logout"))

    first = sign_in(client, seller, next_url="/accounts/profile/")
    assert first.status_code == 302 and first["Location"] == reverse("accounts:two_factor_verify")
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get(reverse("accounts:dashboard")).status_code == 302  # to the login page

    wrong = client.post(reverse("accounts:two_factor_verify"), {"code": "12"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    time.sleep(1.1)  # the throttle after a wrong code
    device = TOTPDevice.objects.get(user=seller, confirmed=True)
    right = client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device, steps_ahead=1)})
    assert right.status_code == 302 and right["Location"] == "/accounts/profile/"
    assert client.get(reverse("accounts:dashboard")).status_code == 200

    # A recovery code works once.
    client.post(reverse("accounts:logout"))
    sign_in(client, seller)
    assert client.post(reverse("accounts:two_factor_verify"), {"code": codes[0]}).status_code == 302
    client.post(reverse("accounts:logout"))
    sign_in(client, seller)
    assert client.post(reverse("accounts:two_factor_verify"), {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=seller).count() == 9


def test_a_session_signed_in_another_way_is_sent_to_the_code_step_before_any_page(client):
    """The admin's own login page takes a password only: the session still passes the code step first."""
    staff = StaffFactory()
    client.force_login(staff)
    set_up(client, staff)
    fresh = type(client)()
    fresh.force_login(staff)  # as the admin's login page would: password only
    answer = fresh.get("/admin/")
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("accounts:two_factor_verify"))
    api = fresh.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_code_needed"
    device = TOTPDevice.objects.get(user=staff, confirmed=True)
    assert fresh.post(reverse("accounts:two_factor_verify") + "?next=/admin/",
                      {"code": code_for(device, steps_ahead=1)})["Location"] == "/admin/"
    assert fresh.get("/admin/").status_code == 200


@pytest.mark.parametrize("who", ["staff", "owner"])
def test_staff_and_organisation_owners_are_sent_to_set_up_before_anything_else(client, required, who):
    user = StaffFactory() if who == "staff" else DealerFactory(verified=True)
    client.force_login(user)
    for path in ("/accounts/dashboard/", "/accounts/profile/", "/auctions/", "/admin/", "/sales/"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("accounts:two_factor_setup")), path
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_setup_needed"
    # The allow-list: set-up, logout, static files.
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200
    assert client.get("/static/css/gavel.css").status_code == 200
    set_up(client, user)
    assert client.get("/accounts/dashboard/").status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_required_people_cannot_turn_it_off_and_others_can_with_password_and_code(client, required):
    owner = DealerFactory(verified=True)
    client.force_login(owner)
    set_up(client, owner)
    device = TOTPDevice.objects.get(user=owner, confirmed=True)
    client.post(reverse("accounts:two_factor_disable"), {"current_password": PASSWORD,
                                                         "code": code_for(device, steps_ahead=1)})
    owner.refresh_from_db()
    assert owner.two_factor_enabled

    seller = SellerFactory()
    other = type(client)()
    other.force_login(seller)
    set_up(other, seller)
    device = TOTPDevice.objects.get(user=seller, confirmed=True)
    refused = other.post(reverse("accounts:two_factor_disable"), {"current_password": "wrong-password-1",
                                                                  "code": code_for(device, steps_ahead=1)})
    assert refused.status_code == 400
    done = other.post(reverse("accounts:two_factor_disable"), {"current_password": PASSWORD,
                                                               "code": code_for(device, steps_ahead=1)})
    assert done.status_code == 302
    seller.refresh_from_db()
    assert not seller.two_factor_enabled and not TOTPDevice.objects.filter(user=seller).exists()


def test_two_factor_is_optional_for_sellers_inspectors_and_organisation_members(client, required):
    dealer = DealerFactory(verified=True)
    for user in (SellerFactory(), SellerFactory(role=User.Role.INSPECTOR), member_of(dealer, "buyer")):
        browser = type(client)()
        browser.force_login(user)
        assert browser.get("/accounts/dashboard/").status_code == 200, user.role


def test_api_tokens_and_keys_are_unchanged_by_two_factor(required):
    """Token and key authentication are not sessions: a required owner without a device still uses the API with
    their token (keys are scoped; docs/security.md)."""
    owner = DealerFactory(verified=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user=owner)}")
    assert api.get("/api/v1/me/").status_code == 200


def test_staff_reset_a_lost_second_factor_in_admin_and_the_person_sets_it_up_again(client, required):
    owner = DealerFactory(verified=True)
    browser = type(client)()
    browser.force_login(owner)
    set_up(browser, owner)
    staff = StaffFactory()
    client.force_login(staff)
    set_up(client, staff)
    answer = client.post(reverse("admin:accounts_user_changelist"),
                         {"action": "two_factor_reset", "_selected_action": [owner.pk]})
    assert answer.status_code == 302
    owner.refresh_from_db()
    assert not owner.two_factor_enabled and not TOTPDevice.objects.filter(user=owner).exists()
    assert AuditLog.objects.filter(reason="Two-factor reset by staff", object_id=owner.pk, actor=staff).exists()
    again = type(client)()
    assert sign_in(again, owner).status_code == 302  # the password alone, then straight to set-up
    assert again.get("/accounts/dashboard/")["Location"].startswith(reverse("accounts:two_factor_setup"))
