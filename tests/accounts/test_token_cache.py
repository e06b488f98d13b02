"""API tokens: the lookup is cached (a request asks PostgreSQL nothing to know who sends it), and revoking a token
or deactivating its user takes effect on the very next request."""

from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.authentication import CachedTokenAuthentication


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
