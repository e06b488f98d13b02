"""Shill rules: who is refused at the bid path's one eligibility check, and the staff's integrity report."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts import security
from accounts.models import DealerProfile, SessionSighting, User
from auctions import selectors, services
from core.exceptions import ApplicationError
from tests.accounts.factories import PASSWORD, DealerFactory, SellerFactory, StaffFactory
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


def test_a_dealer_paid_to_the_sellers_payout_account_is_refused():
    auction = make_auction()
    seller = User.objects.get(pk=auction.listing.seller_id)
    # (the seller's own payout account page: the password suffices, they have no second factor)
    security.payout_account_change(user=seller, payout_account="de89 3704 0044 0532 0130 00",
                                   current_password=PASSWORD)
    seller.refresh_from_db()
    assert seller.payout_account == "DE89370400440532013000"
    linked = DealerFactory(verified=True, payout_account="DE89370400440532013000")
    answer = _bid(linked, auction)
    assert answer.status_code == 403
    assert answer.json()["code"] == "linked_to_seller" and "same payout account" in answer.json()["detail"]
    assert not auction.bids.exists()
    assert _bid(DealerFactory(verified=True, payout_account="DE02120300000000202051"), auction).status_code == 201


def test_the_payout_account_page_saves_an_iban_and_refuses_a_malformed_one():
    seller = SellerFactory(payout_account="")
    client = Client()
    client.force_login(seller)
    bad = client.post("/accounts/payout-account/", {"payout_account": "DE89 !!", "current_password": PASSWORD})
    assert bad.status_code == 400 and "not a valid IBAN" in bad.content.decode()
    wrong_digits = client.post("/accounts/payout-account/", {"payout_account": "DE88 3704 0044 0532 0130 00",
                                                             "current_password": PASSWORD})
    assert wrong_digits.status_code == 400 and "not a valid IBAN" in wrong_digits.content.decode()
    seller.refresh_from_db()
    assert seller.payout_account == ""  # nothing half-written
    good = client.post("/accounts/payout-account/", {"payout_account": "DE89 3704 0044 0532 0130 00",
                                                     "current_password": PASSWORD})
    assert good.status_code == 302
    seller.refresh_from_db()
    assert seller.payout_account == "DE89370400440532013000"


def test_a_bidder_signed_in_from_the_sellers_address_or_device_is_flagged_for_staff_not_refused():
    auction = make_auction()
    seller = User.objects.get(pk=auction.listing.seller_id)
    same_ip, same_device, elsewhere = (DealerFactory(verified=True) for _ in range(3))
    browser = Client(REMOTE_ADDR="203.0.113.7")  # the seller's browser: its device cookie stays in it
    assert browser.post("/accounts/login/", {"username": seller.email, "password": PASSWORD}).status_code == 302
    assert SessionSighting.objects.filter(user=seller, ip="203.0.113.7").exclude(device="").exists()
    browser.post("/accounts/logout/")  # signs out; the device cookie stays (Client.logout() would drop it)
    moved = browser.post("/accounts/login/", {"username": same_device.email, "password": PASSWORD},
                         REMOTE_ADDR="198.51.100.20")
    assert moved.status_code == 302
    api = APIClient(REMOTE_ADDR="203.0.113.7")
    assert api.post("/api/v1/auth/token/", {"email": same_ip.email, "password": PASSWORD}).status_code == 200
    Client(REMOTE_ADDR="192.0.2.1").post("/accounts/login/", {"username": elsewhere.email, "password": PASSWORD})

    for n, dealer in enumerate((same_ip, same_device, elsewhere)):  # flagged, never refused
        assert _bid_max(dealer, auction, 11_000_00 + n * 1_000_00).status_code == 201
    labels = selectors.auction_labels(auction=auction)
    alias = {dealer: f"Dealer {labels[dealer.pk]}" for dealer in (same_ip, same_device, elsewhere)}
    report = selectors.auction_integrity_report(auction=auction)
    signed_in = [link for link in report["links"] if "signed in" in link]  # (the factories share a phone)
    assert report["flagged"] and sorted(signed_in) == sorted([
        f"the seller and {alias[same_ip]} signed in from the same network address (IP) within 30 days",
        f"the seller and {alias[same_device]} signed in on the same device within 30 days"])

    staff = Client()
    staff.force_login(StaffFactory())
    page = staff.get(f"/admin/auctions/auction/{auction.pk}/integrity/").content.decode()
    assert "signed in on the same device" in page and "same network address (IP)" in page
    assert "payout account" in Client().get("/auctions/rules/").content.decode()


def _bid_max(dealer, auction, maximum_minor):
    client = APIClient()
    client.force_authenticate(dealer)
    return client.post(f"/api/v1/auctions/{auction.pk}/bids/", {"max_amount_minor": maximum_minor}, format="json")
