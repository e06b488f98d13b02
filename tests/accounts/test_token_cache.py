"""API tokens: the lookup is cached with the user's membership (a request asks PostgreSQL nothing to know who sends it
or what they may do for their organisation), and revoking a token, deactivating its user, joining an organisation or
a change of role takes effect on the very next request."""

from django.urls import reverse
from rest_framework.test import APIClient

from accounts import organisations, services
from accounts.authentication import CachedTokenAuthentication
from accounts.capabilities import BID, member_capabilities
from accounts.models import Membership
from tests.accounts.factories import UserFactory, member_of
from tests.auctions.factories import make_auction


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {services.token_for(user=user)}")
    return client


def test_a_known_token_is_recognised_without_a_query(dealer, redis, django_assert_num_queries):
    key = services.token_for(user=dealer)
    auth = CachedTokenAuthentication()
    assert auth.authenticate_credentials(key)[0] == dealer
    with django_assert_num_queries(0):
        user, token = auth.authenticate_credentials(key)
    assert user.pk == dealer.pk and token.key == key


def test_a_known_token_brings_the_membership_without_a_query(dealer, redis, django_assert_num_queries):
    buyer = member_of(dealer, Membership.Role.BUYER)
    auth = CachedTokenAuthentication()
    key = services.token_for(user=buyer)
    auth.authenticate_credentials(key)
    with django_assert_num_queries(0):
        user, _ = auth.authenticate_credentials(key)
        assert member_capabilities(user) is not None and BID in member_capabilities(user)
    with django_assert_num_queries(1):  # the organisation's account itself is read fresh
        assert organisations.dealer_acting_for(user) == dealer


def test_a_change_of_role_is_seen_on_the_next_request(dealer, redis):
    buyer = member_of(dealer, Membership.Role.BUYER)
    auction = make_auction()
    api = _token_client(buyer)
    url = reverse("api:auction-bids", args=[auction.pk])
    assert api.post(url, {"amount_minor": auction.starting_price_minor}, format="json").status_code == 201
    organisations.member_set_role(membership=Membership.objects.get(user=buyer), actor=dealer, role="accounts")
    response = api.post(url, {"amount_minor": auction.starting_price_minor * 2}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role in your organisation does not allow “bid”."


def test_joining_an_organisation_is_seen_on_the_next_request(dealer, redis):
    newcomer = UserFactory(role="dealer", email="newcomer@dealer.test")
    api = _token_client(newcomer)
    assert api.get(reverse("api:auction-list")).status_code == 200  # cached now: no organisation's member
    invitation, token = organisations.invitation_create(org=dealer.dealer_profile, actor=dealer,
                                                        email=newcomer.email, role="accounts")
    organisations.invitation_accept(token=token, user=newcomer)
    auction = make_auction()
    response = api.post(reverse("api:auction-bids", args=[auction.pk]), {"amount_minor": auction.starting_price_minor},
                        format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role in your organisation does not allow “bid”."


def test_a_revoked_token_is_refused_on_the_next_request(dealer, redis):
    client = _token_client(dealer)
    assert client.get(reverse("api:auction-list")).status_code == 200  # cached now
    services.token_revoke(user=dealer)
    assert client.get(reverse("api:auction-list")).status_code == 401


def test_a_token_deleted_in_the_admin_is_refused_on_the_next_request(dealer, staff, client, redis):
    api = _token_client(dealer)
    assert api.get(reverse("api:auction-list")).status_code == 200
    client.force_login(staff)  # the token admin names a token by its user (never its key)
    response = client.post(reverse("admin:authtoken_tokenproxy_delete", args=[dealer.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert api.get(reverse("api:auction-list")).status_code == 401


def test_a_user_deactivated_in_the_admin_is_refused_on_the_next_request(seller, staff, client, redis):
    api = _token_client(seller)
    assert api.get(reverse("api:auction-list")).status_code == 200
    client.force_login(staff)
    form = client.get(reverse("admin:accounts_user_change", args=[seller.pk])).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    del data["is_active"]
    response = client.post(reverse("admin:accounts_user_change", args=[seller.pk]), data)
    assert response.status_code == 302
    seller.refresh_from_db()
    assert not seller.is_active
    assert api.get(reverse("api:auction-list")).status_code == 401
