"""Organisation API keys: shown once and stored hashed, scopes enforced on every endpoint, last use recorded,
revoked at once (by owners, or by staff in the admin), and rate limited per key."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import apikeys
from accounts.models import ApiKey, Membership
from auctions.models import Bid
from tests.accounts.factories import member_of
from tests.auctions.factories import make_auction

pytestmark = pytest.mark.django_db


def _key_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _make(dealer, scopes):
    return apikeys.api_key_create(org=dealer.dealer_profile, actor=dealer, name="Stock system", scopes=scopes)


def test_a_key_is_shown_once_through_the_api_and_stored_only_as_a_digest(dealer):
    owner = APIClient()
    owner.force_login(dealer)
    response = owner.post(reverse("api:organisation-api-keys"), {"name": "CRM", "scopes": ["read", "bid"]},
                          format="json")
    assert response.status_code == 201
    raw = response.json()["key"]
    key = ApiKey.objects.get(pk=response.json()["id"])
    assert raw.startswith(key.prefix) and key.key_hash == apikeys.api_key_hash(raw) and raw not in key.key_hash
    listed = owner.get(reverse("api:organisation-api-keys")).json()
    assert [k["prefix"] for k in listed] == [key.prefix] and "key" not in listed[0]


def test_bad_key_input_is_a_400_with_field_messages(dealer):
    owner = APIClient()
    owner.force_login(dealer)
    response = owner.post(reverse("api:organisation-api-keys"), {"name": "", "scopes": ["admin"]}, format="json")
    assert response.status_code == 400 and {"name", "scopes"} <= set(response.json()["fields"])
    assert not ApiKey.objects.exists()


def test_a_read_key_reads_but_cannot_bid_nor_pay_nor_manage(dealer, redis):
    _key, raw = _make(dealer, ["read"])
    client = _key_client(raw)
    auction = make_auction()
    assert client.get(reverse("api:auction-list")).status_code == 200
    bid = client.post(reverse("api:auction-bids", args=[auction.pk]), {"amount_minor": auction.starting_price_minor},
                      format="json")
    assert bid.status_code == 403 and not Bid.objects.exists()
    assert client.get(reverse("api:organisation-api-keys")).status_code == 403
    assert client.post(reverse("api:organisation-api-keys"), {"name": "x", "scopes": ["read"]},
                       format="json").status_code == 403


def test_a_bid_key_bids_for_the_organisation_recording_its_maker_and_its_last_use(dealer, redis):
    key, raw = _make(dealer, ["read", "bid"])
    auction = make_auction()
    response = _key_client(raw).post(reverse("api:auction-bids", args=[auction.pk]),
                                     {"amount_minor": auction.starting_price_minor}, format="json")
    assert response.status_code == 201, response.content
    [bid] = Bid.objects.all()
    assert (bid.dealer_id, bid.placed_by_id) == (dealer.pk, dealer.pk)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_write_no_key_scope_opens_is_refused_to_keys(dealer, redis):
    _key, raw = _make(dealer, ["read", "bid", "pay", "webhooks"])
    auction = make_auction()
    # Watching is a person's own list: no scope opens it, so a key with every scope is still refused.
    assert _key_client(raw).post(reverse("api:auction-watch", args=[auction.pk])).status_code == 403


def test_a_revoked_key_stops_working_at_once(dealer, redis):
    key, raw = _make(dealer, ["read"])
    client = _key_client(raw)
    assert client.get(reverse("api:auction-list")).status_code == 200
    owner = APIClient()
    owner.force_login(dealer)
    assert owner.delete(reverse("api:organisation-api-key", args=[key.pk])).status_code == 204
    assert client.get(reverse("api:auction-list")).status_code == 401
    assert _key_client("gvk_nothing_here").get(reverse("api:auction-list")).status_code == 401


def test_staff_revoke_any_key_in_the_admin(dealer, staff, client, redis):
    key, raw = _make(dealer, ["read"])
    client.force_login(staff)
    assert key.prefix in client.get(reverse("admin:accounts_apikey_changelist")).content.decode()
    response = client.post(reverse("admin:accounts_apikey_changelist"),
                           {"action": "revoke_keys", "_selected_action": [key.pk]})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_by == staff
    assert _key_client(raw).get(reverse("api:auction-list")).status_code == 401


def test_only_owners_make_keys(dealer):
    buyer = member_of(dealer, Membership.Role.BUYER)
    with pytest.raises(apikeys.PermissionRefused):
        apikeys.api_key_create(org=dealer.dealer_profile, actor=buyer, name="mine", scopes=["bid"])
    client = APIClient()
    client.force_login(buyer)
    assert client.post(reverse("api:organisation-api-keys"), {"name": "x", "scopes": ["read"]},
                       format="json").status_code == 403


def test_requests_are_rate_limited_per_key(dealer, redis, settings):
    settings.GAVEL_API_KEY_RATE = "2/min"
    _first, first_raw = _make(dealer, ["read"])
    _second, second_raw = _make(dealer, ["read"])
    url = reverse("api:auction-list")
    first = _key_client(first_raw)
    statuses = [first.get(url).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert _key_client(second_raw).get(url).status_code == 200  # another key has its own count


def test_a_key_stops_working_when_its_maker_is_no_longer_an_owner(dealer, redis):
    other_owner = member_of(dealer, Membership.Role.OWNER)
    _key, raw = apikeys.api_key_create(org=dealer.dealer_profile, actor=other_owner, name="k", scopes=["read"])
    client = _key_client(raw)
    assert client.get(reverse("api:auction-list")).status_code == 200
    from accounts import organisations

    organisations.member_set_role(membership=Membership.objects.get(user=other_owner), actor=dealer, role="buyer")
    assert client.get(reverse("api:auction-list")).status_code == 401
