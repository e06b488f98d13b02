"""Dealer organisations: members with roles act for their organisation (its limit, bids, sales and invoices),
invitations expire, removing a member ends their access at once, and existing dealers became one-member
organisations by the data migration."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import organisations, services
from accounts.models import DealerProfile, Invitation, Membership
from auctions.models import Bid
from payments.models import Sale
from tests.accounts.factories import PASSWORD, DealerFactory, SellerFactory, member_of
from tests.auctions.factories import make_auction
from tests.payments.factories import SaleMaker, close_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_sale(db, django_capture_on_commit_callbacks):
    return SaleMaker(django_capture_on_commit_callbacks)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_registered_dealer_owns_a_one_member_organisation():
    user = services.dealer_register(email="new@dealer.test", password=PASSWORD, full_name="Nia New",
                                    company_name="Nia Cars", trade_licence_number="LIC-NIA-1", address="Street 1",
                                    phone="+49 1")
    org = organisations.organisation_for(user)
    assert org is not None and org.user_id == user.pk
    assert organisations.member_role(user, org) == Membership.Role.OWNER


def test_the_migration_makes_each_single_dealer_the_owner_of_their_own_organisation(make_sale):
    sale = make_sale()
    dealer = sale.buyer
    profile = DealerProfile.objects.get(user=dealer)
    before = (profile.buying_limit_minor, profile.deposit_limit_minor, profile.individual_limit_minor)
    Membership.objects.filter(user=dealer).delete()  # as before the migration
    migration = importlib.import_module("accounts.migrations.0004_single_dealers_become_organisations")
    state_apps = MigrationExecutor(connection).loader.project_state(
        ("accounts", "0004_single_dealers_become_organisations")).apps

    migration.dealers_become_owners(state_apps, None)
    migration.dealers_become_owners(state_apps, None)  # safe to run twice

    [membership] = Membership.objects.filter(organisation=profile)
    assert (membership.user_id, membership.role) == (dealer.pk, Membership.Role.OWNER)
    profile.refresh_from_db()
    assert (profile.buying_limit_minor, profile.deposit_limit_minor, profile.individual_limit_minor) == before
    assert list(Sale.objects.filter(buyer=dealer).values_list("pk", flat=True)) == [sale.pk]
    assert organisations.dealer_acting_for(dealer) == dealer


def test_a_buyer_bids_for_the_organisation_and_the_bid_records_the_buyer(dealer, redis):
    buyer = member_of(dealer, Membership.Role.BUYER)
    auction = make_auction()
    response = _api(buyer).post(reverse("api:auction-bids", args=[auction.pk]),
                                {"amount_minor": auction.starting_price_minor}, format="json")
    assert response.status_code == 201, response.content
    [bid] = Bid.objects.filter(auction=auction)
    assert (bid.dealer_id, bid.placed_by_id) == (dealer.pk, buyer.pk)


def test_a_buyer_bid_from_the_auction_page_records_the_buyer_too(dealer, client_for, redis):
    buyer = member_of(dealer, Membership.Role.BUYER)
    auction = make_auction()
    response = client_for(buyer).post(reverse("auctions:bid", args=[auction.pk]),
                                      {"amount_minor": auction.starting_price_minor}, format="multipart")
    assert response.status_code == 302
    [bid] = Bid.objects.filter(auction=auction)
    assert (bid.dealer_id, bid.placed_by_id) == (dealer.pk, buyer.pk)


def test_the_engine_records_the_member_on_the_organisations_own_bids_only(dealer, redis):
    rival = DealerFactory(verified=True)
    buyer = member_of(dealer, Membership.Role.BUYER)
    auction = make_auction()
    from auctions import services as auction_services

    auction_services.bid_place(auction_id=auction.pk, dealer=rival, max_amount_minor=20_000_00)
    auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=12_000_00, placed_by=buyer)
    placed = {(bid.dealer_id, bid.kind): bid.placed_by_id for bid in Bid.objects.filter(auction=auction)}
    assert placed[(dealer.pk, Bid.Kind.DIRECT)] == buyer.pk
    assert placed[(rival.pk, Bid.Kind.AUTO)] is None  # the rival's maximum answered: no member of ours


def test_an_accounts_member_cannot_bid_on_the_api_nor_on_the_page(dealer, client_for, redis):
    accounts = member_of(dealer, Membership.Role.ACCOUNTS)
    auction = make_auction()
    api = _api(accounts).post(reverse("api:auction-bids", args=[auction.pk]),
                              {"amount_minor": auction.starting_price_minor}, format="json")
    assert api.status_code == 403
    page = client_for(accounts).post(reverse("auctions:bid", args=[auction.pk]),
                                     {"amount_minor": auction.starting_price_minor}, format="multipart", follow=True)
    assert "buyers and owners may bid" in page.content.decode()
    assert not Bid.objects.filter(auction=auction).exists()


def test_the_seller_sees_the_company_never_the_member_after_close(dealer, seller, redis):
    buyer = member_of(dealer, Membership.Role.BUYER, full_name="Bea Buyer-Person")
    auction = make_auction(seller=seller, reserve_minor=10_000_00)
    _api(buyer).post(reverse("api:auction-bids", args=[auction.pk]), {"amount_minor": 10_000_00}, format="json")
    close_now(auction.pk)
    body = _api(seller).get(reverse("api:auction-bids", args=[auction.pk])).content.decode()
    assert dealer.dealer_profile.company_name in body
    assert "Bea Buyer-Person" not in body and buyer.email not in body


def test_the_organisation_pays_through_its_accounts_member_and_a_buyer_may_not_pay(make_sale):
    sale = make_sale()
    accounts = member_of(sale.buyer, Membership.Role.ACCOUNTS)
    buyer = member_of(sale.buyer, Membership.Role.BUYER)
    url = reverse("api:sale-pay", args=[sale.pk])
    assert _api(buyer).post(url, {"provider": "bank_transfer"}, format="json").status_code == 403
    assert _api(accounts).get(reverse("api:sale-detail", args=[sale.pk])).status_code == 200
    response = _api(accounts).post(url, {"provider": "bank_transfer"}, format="json")
    assert response.status_code in (200, 201), response.content


def test_the_invoice_page_is_for_accounts_and_owners_not_buyers(make_sale, client_for):
    sale = make_sale()
    url = reverse("payments:invoice", args=[sale.pk])
    assert client_for(member_of(sale.buyer, Membership.Role.ACCOUNTS)).get(url).status_code == 200
    assert client_for(sale.buyer).get(url).status_code == 200
    assert client_for(member_of(sale.buyer, Membership.Role.BUYER)).get(url).status_code == 403


def test_an_invitation_is_emailed_and_accepted_with_a_new_account(dealer, client, mailoutbox, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.GAVEL_NOTIFY_ASYNC = False
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = organisations.invitation_create(org=dealer.dealer_profile, actor=dealer,
                                                            email="Bo@Buyer.test", role="buyer")
    [mail] = mailoutbox
    assert mail.to == ["bo@buyer.test"] and f"/accounts/invitations/{token}/" in mail.body
    assert token not in Invitation.objects.values_list("token_hash", flat=True)[0]

    url = reverse("accounts:invitation_accept", args=[token])
    assert dealer.dealer_profile.company_name in client.get(url).content.decode()
    response = client.post(url, {"full_name": "Bo Buyer", "password": PASSWORD})
    assert response.status_code == 302
    member = Membership.objects.get(user__email="bo@buyer.test")
    assert (member.organisation_id, member.role) == (dealer.dealer_profile.pk, "buyer")
    assert client.post(url, {"full_name": "Bo Again", "password": PASSWORD}).status_code == 400  # used once


def test_an_expired_invitation_says_so(dealer, client):
    invitation, token = organisations.invitation_create(org=dealer.dealer_profile, actor=dealer,
                                                        email="late@buyer.test", role="buyer")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("accounts:invitation_accept", args=[token]))
    assert response.status_code == 400
    assert "This invitation has expired" in response.content.decode()
    with pytest.raises(organisations.InvitationExpired):
        organisations.invitation_accept(token=token, full_name="Late", password=PASSWORD)
    assert not Membership.objects.filter(user__email="late@buyer.test").exists()


def test_only_owners_invite(dealer):
    buyer = member_of(dealer, Membership.Role.BUYER)
    with pytest.raises(organisations.PermissionRefused):
        organisations.invitation_create(org=dealer.dealer_profile, actor=buyer, email="x@y.test", role="buyer")


def test_removing_a_member_ends_their_session_token_and_keys_at_once(dealer, client_for, redis):
    from accounts import apikeys

    owner = member_of(dealer, Membership.Role.OWNER)
    session = client_for(owner)
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {services.token_for(user=owner)}")
    _key, raw = apikeys.api_key_create(org=dealer.dealer_profile, actor=owner, name="CRM", scopes=["read"])
    key_client = APIClient()
    key_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    url = reverse("api:auction-list")
    assert [c.get(url).status_code for c in (session, token_client, key_client)] == [200, 200, 200]

    organisations.member_remove(membership=Membership.objects.get(user=owner), actor=dealer)

    assert [c.get(url).status_code for c in (session, token_client, key_client)] == [401, 401, 401]
    assert organisations.organisation_for(owner) is None


def test_the_account_holder_cannot_be_removed_nor_demoted(dealer):
    other_owner = member_of(dealer, Membership.Role.OWNER)
    holder = Membership.objects.get(user=dealer)
    with pytest.raises(organisations.ValidationFailed):
        organisations.member_remove(membership=holder, actor=other_owner)
    with pytest.raises(organisations.ValidationFailed):
        organisations.member_set_role(membership=holder, actor=other_owner, role="buyer")


def test_owners_manage_members_through_the_api(dealer, mailoutbox, settings):
    settings.GAVEL_NOTIFY_ASYNC = False
    buyer = member_of(dealer, Membership.Role.BUYER)
    api = _api(dealer)
    listed = api.get(reverse("api:organisation-members")).json()
    assert {m["email"] for m in listed["members"]} == {dealer.email, buyer.email}
    invited = api.post(reverse("api:organisation-members"), {"email": "acc@dealer.test", "role": "accounts"},
                       format="json")
    assert invited.status_code == 201 and invited.json()["role"] == "accounts"
    bad = api.post(reverse("api:organisation-members"), {"email": "nope", "role": "boss"}, format="json")
    assert bad.status_code == 400 and {"email", "role"} <= set(bad.json()["fields"])
    changed = api.patch(reverse("api:organisation-member", args=[buyer.pk]), {"role": "accounts"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "accounts"
    assert api.delete(reverse("api:organisation-member", args=[buyer.pk])).status_code == 204
    assert _api(buyer).get(reverse("api:organisation-members")).status_code in (401, 403)
    outsider = DealerFactory(verified=True)
    assert _api(outsider).delete(reverse("api:organisation-member", args=[dealer.pk])).status_code == 404


def test_the_organisation_page_is_for_owners(dealer, client_for):
    url = reverse("accounts:organisation")
    assert client_for(dealer).get(url).status_code == 200
    assert client_for(member_of(dealer, Membership.Role.BUYER)).get(url).status_code == 403
    assert client_for(SellerFactory()).get(url).status_code == 403
