import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import DealerProfile, User
from tests.accounts.factories import PASSWORD, DealerFactory, InspectorFactory, SellerFactory, StaffFactory

pytestmark = pytest.mark.django_db

GOOD = {"full_name": "Sam Seller", "email": "Sam@Example.test", "phone": "+49 30 1", "password": "a-long-passphrase-7",
        "password_confirm": "a-long-passphrase-7"}
DEALER = {**GOOD, "email": "buyer@autohaus.test", "company_name": "Autohaus Nord", "trade_licence_number": "hrb-42",
          "address": "Nordstraße 1, Hamburg", "phone": "+49 40 1"}


def test_a_seller_signs_up_and_lands_on_their_dashboard(client):
    response = client.post(reverse("accounts:signup"), GOOD, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    user = User.objects.get()
    assert (user.email, user.role) == ("sam@example.test", "seller")
    assert response.context["user"] == user
    assert "Your cars" in response.content.decode()


def test_a_dealer_signs_up_with_company_data_and_waits_for_verification(client):
    response = client.post(reverse("accounts:signup_dealer"), DEALER, follow=True)

    profile = DealerProfile.objects.select_related("user").get()
    assert profile.user.role == "dealer" and profile.status == "pending"
    assert (profile.company_name, profile.trade_licence_number) == ("Autohaus Nord", "HRB-42")
    assert "Waiting for verification" in response.content.decode()
    assert not profile.can_bid


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": ""}, "email", "This field is required."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"password": "short", "password_confirm": "short"}, "password", "too short"),
        ({"password": "12345678901234", "password_confirm": "12345678901234"}, "password", "entirely numeric"),
        ({"password_confirm": "something-else-9"}, "password_confirm", "The two passwords differ."),
    ],
)
def test_seller_signup_with_bad_input_shows_field_errors(client, change, field, message):
    response = client.post(reverse("accounts:signup"), {**GOOD, **change})

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not User.objects.exists()


def test_signup_with_an_email_already_in_use_is_refused_whatever_its_case(client):
    SellerFactory(email="sam@example.test")
    response = client.post(reverse("accounts:signup"), {**GOOD, "email": "SAM@example.TEST"})

    assert response.context["form"].errors["email"] == ["An account with this email address already exists."]
    assert User.objects.count() == 1


@pytest.mark.parametrize("missing", ["company_name", "trade_licence_number", "address", "phone"])
def test_dealer_signup_needs_every_company_field(client, missing):
    response = client.post(reverse("accounts:signup_dealer"), {**DEALER, missing: ""})

    assert response.status_code == 200
    assert response.context["form"].errors[missing] == ["This field is required."]
    assert not User.objects.exists()


def test_dealer_signup_refuses_a_licence_that_is_already_registered(client):
    DealerFactory(profile__trade_licence_number="HRB-42")
    response = client.post(reverse("accounts:signup_dealer"), DEALER)

    assert response.context["form"].errors["trade_licence_number"] == ["This trade licence is already registered."]
    assert User.objects.filter(email="buyer@autohaus.test").count() == 0


@pytest.mark.parametrize("factory", [SellerFactory, DealerFactory, InspectorFactory, StaffFactory])
def test_every_role_logs_in_with_email_and_password_and_sees_its_dashboard(client, factory):
    user = factory()
    response = client.post(reverse("accounts:login"), {"username": user.email.upper(), "password": PASSWORD},
                           follow=True)

    assert response.context["user"] == user
    assert response.templates[0].name == f"accounts/dashboard_{user.role}.html"


def test_login_with_a_wrong_password_is_refused_with_a_message(client):
    user = SellerFactory()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "nope-nope-nope"})

    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert "correct email address and password" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client):
    client.force_login(SellerFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_password_reset_sends_an_email_whose_link_sets_a_new_password(client):
    user = SellerFactory()
    client.post(reverse("accounts:password_reset"), {"email": user.email})

    [email] = mail.outbox
    assert email.to == [user.email] and "Reset your Gavel password" in email.subject
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", str(email.body)).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": "brand-new-secret-5", "new_password2": "brand-new-secret-5"}, follow=True)
    assert "Your password is changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("brand-new-secret-5")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_profile_page_saves_name_and_phone_and_rejects_a_blank_name(client):
    user = SellerFactory()
    client.force_login(user)

    client.post(reverse("accounts:profile"), {"full_name": "New Name", "phone": "+49 1"})
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("New Name", "+49 1")

    response = client.post(reverse("accounts:profile"), {"full_name": "", "phone": ""})
    assert response.context["form"].errors["full_name"] == ["This field is required."]


def test_dealer_profile_shows_the_verification_state(client):
    dealer = DealerFactory(suspended=True, profile__status_reason="Unpaid invoice")
    client.force_login(dealer)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Suspended." in page and "Unpaid invoice" in page


@pytest.mark.parametrize("name", ["accounts:dashboard", "accounts:profile"])
def test_private_pages_send_anonymous_visitors_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["home", "dealers", "accounts:signup", "accounts:signup_dealer", "accounts:login",
                                  "accounts:password_reset"])
def test_public_pages_render_for_anonymous_visitors(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"<script>" not in response.content  # no inline scripts: CSP comes later


def test_the_landing_page_sends_logged_in_users_to_their_dashboard(client):
    client.force_login(SellerFactory())
    assert client.get(reverse("home")).url == reverse("accounts:dashboard")


def test_staff_overview_counts_dealers_waiting_for_verification(client):
    DealerFactory()
    DealerFactory(verified=True)
    client.force_login(StaffFactory())
    response = client.get(reverse("accounts:dashboard"))
    assert response.context["pending_dealers"] == 1


def test_pages_carry_security_headers_and_a_csp_without_inline_scripts(client):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
