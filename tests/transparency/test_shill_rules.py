"""Shill rules: who is refused at the bid path's one eligibility check, and the staff's integrity report."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import DealerProfile, User
from auctions import selectors, services
from core.exceptions import ApplicationError
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction

pytestmark = pytest.mark.django_db


def _bid(dealer, auction):
    client = APIClient()
    client.force_authenticate(dealer)
    return client.post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount_minor": 10_000_00}, format="json")


def test_a_dealer_with_the_sellers_phone_is_refused_with_a_clear_message():
    auction = make_auction()
    User.objects.filter(pk=auction.listing.seller_id).update(phone="+49 30 1234 5678")
    linked = DealerFactory(verified=True, phone="030-1234-5678")
    answer = _bid(linked, auction)
    assert answer.status_code == 403
    assert answer.json()["code"] == "linked_to_seller" and "same phone number" in answer.json()["detail"]
    assert _bid(DealerFactory(verified=True, phone="+49 40 999 000"), auction).status_code == 201


def test_a_dealer_of_the_sellers_own_company_or_licence_is_refused():
    auction = make_auction()
    seller = User.objects.get(pk=auction.listing.seller_id)
    DealerProfile.objects.create(user=seller, company_name="Autohaus Mayer GmbH", trade_licence_number="HRB-12345",
                                 address="Hauptstr. 1, Berlin", phone="0301111111")
    same_company = DealerFactory(verified=True, profile__company_name="autohaus  mayer gmbh")
    same_licence = DealerFactory(verified=True, profile__trade_licence_number="hrb 12345")
    for dealer in (same_company, same_licence):
        answer = _bid(dealer, auction)
        assert answer.status_code == 403 and "your own company" in answer.json()["detail"]


def test_staff_flagged_as_dealers_are_refused():
    auction = make_auction()
    staff_dealer = DealerFactory(verified=True, is_staff=True)
    with pytest.raises(ApplicationError) as refused:
        services.bid_place(auction_id=auction.pk, dealer=staff_dealer, amount_minor=10_000_00)
    assert refused.value.code == "staff_may_not_bid"


def test_the_integrity_report_flags_bidders_sharing_an_address_and_is_for_staff_in_admin():
    auction = make_auction()
    a = DealerFactory(verified=True, profile__address="Ring 5, 10115 Berlin", profile__phone="+49 30 111111")
    b = DealerFactory(verified=True, profile__address="ring 5 10115 berlin", profile__phone="+49 40 222222")
    services.bid_place(auction_id=auction.pk, dealer=a, amount_minor=10_000_00)
    services.bid_place(auction_id=auction.pk, dealer=b, max_amount_minor=11_000_00)

    report = selectors.auction_integrity_report(auction=auction)
    assert report["flagged"] and report["links"] == ["Dealer 1 and Dealer 2 share an address"]

    staff = StaffFactory()
    client = Client()
    client.force_login(staff)
    page = client.get(f"/admin/auctions/auction/{auction.pk}/integrity/")
    assert page.status_code == 200 and "share an address" in page.content.decode()
    client.force_login(a)
    assert client.get(f"/admin/auctions/auction/{auction.pk}/integrity/").status_code == 302  # to the admin login


def test_the_rules_page_is_public_and_states_the_shill_rules():
    page = Client().get("/auctions/rules/")
    assert page.status_code == 200 and "linked to the seller" in page.content.decode()
