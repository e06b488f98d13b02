import pytest
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.accounts.factories import PASSWORD, DealerFactory, InspectorFactory, SellerFactory, StaffFactory

pytestmark = pytest.mark.django_db

SELLER = {"email": "api.seller@example.test", "password": "a-long-passphrase-7", "full_name": "Api Seller"}
DEALER = {**SELLER, "email": "api.dealer@example.test", "company_name": "Api Autos", "trade_licence_number": "API-1",
          "address": "Somewhere 1", "phone": "+49 1"}


@pytest.mark.parametrize("factory", [SellerFactory, DealerFactory, InspectorFactory, StaffFactory])
def test_every_role_exchanges_email_and_password_for_a_token_and_reads_me(api_client, factory):
    user = factory()
    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=user).key == token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/").json()
    assert (me["id"], me["email"], me["role"]) == (user.pk, user.email, user.role)
    assert (me["dealer_profile"] is not None) == (user.role == "dealer")


def test_me_shows_a_dealer_their_verification_and_buying_limit(api_client):
    dealer = DealerFactory(verified=True, profile__buying_limit_minor=25_000_00)
    api_client.force_authenticate(dealer)
    profile = api_client.get("/api/v1/me/").json()["dealer_profile"]
    assert profile["status"] == "verified" and profile["can_bid"] is True
    assert profile["buying_limit_minor"] == 25_000_00


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "x@example.test"}, "password"),
        ({"email": "not-an-email", "password": "x"}, "email"),
    ],
)
def test_token_request_with_missing_fields_is_a_400_with_field_messages(api_client, body, field):
    response = api_client.post("/api/v1/auth/token/", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["fields"]


def test_a_wrong_password_gets_no_token(api_client):
    user = SellerFactory()
    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-password"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"non_field_errors": ["Email or password is wrong."]}
    assert not Token.objects.exists()


def test_an_inactive_user_gets_no_token(api_client):
    user = SellerFactory(is_active=False)
    assert api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).status_code == 400


def test_me_needs_authentication(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api_client.get("/api/v1/me/").status_code == 401


def test_seller_signs_up_through_the_api_and_gets_a_working_token(api_client):
    response = api_client.post("/api/v1/auth/signup/seller/", SELLER)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["role"] == "seller" and body["user"]["dealer_profile"] is None
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.get("/api/v1/me/").json()["email"] == SELLER["email"]


def test_dealer_signs_up_through_the_api_pending_verification(api_client):
    response = api_client.post("/api/v1/auth/signup/dealer/", DEALER)
    assert response.status_code == 201
    profile = response.json()["user"]["dealer_profile"]
    assert profile["status"] == "pending" and profile["can_bid"] is False
    assert profile["trade_licence_number"] == "API-1"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/auth/signup/seller/", {**SELLER, "email": "nope"}, "email"),
        ("/api/v1/auth/signup/seller/", {**SELLER, "password": "short"}, "password"),
        ("/api/v1/auth/signup/seller/", {**SELLER, "password": "9876543210123"}, "password"),
        ("/api/v1/auth/signup/seller/", {**SELLER, "full_name": ""}, "full_name"),
        ("/api/v1/auth/signup/seller/", {**SELLER, "full_name": "   "}, "full_name"),
        ("/api/v1/auth/signup/seller/", {**SELLER, "email": "a" * 300 + "@x.test"}, "email"),
        ("/api/v1/auth/signup/dealer/", {**DEALER, "company_name": ""}, "company_name"),
        ("/api/v1/auth/signup/dealer/", {k: v for k, v in DEALER.items() if k != "address"}, "address"),
        ("/api/v1/auth/signup/dealer/", {**DEALER, "phone": "1" * 40}, "phone"),
    ],
)
def test_signup_with_bad_input_is_a_400_naming_the_field_and_creates_nothing(api_client, path, body, field):
    response = api_client.post(path, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not User.objects.exists()


def test_signup_with_a_taken_email_or_licence_is_a_400(api_client):
    SellerFactory(email="api.seller@example.test")
    DealerFactory(profile__trade_licence_number="API-1")

    seller = api_client.post("/api/v1/auth/signup/seller/", {**SELLER, "email": "API.Seller@example.test"})
    dealer = api_client.post("/api/v1/auth/signup/dealer/", {**DEALER, "trade_licence_number": "api-1"})

    assert seller.status_code == 400 and "email" in seller.json()["fields"]
    assert dealer.status_code == 400 and "trade_licence_number" in dealer.json()["fields"]
    assert User.objects.count() == 2


def test_malformed_json_is_a_400_not_a_500(api_client):
    response = api_client.generic("POST", "/api/v1/auth/signup/seller/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_openapi_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/me/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower() and "//unpkg" not in docs
