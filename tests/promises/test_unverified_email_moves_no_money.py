"""Promise: an account whose email address is not confirmed can browse, but cannot list, bid or be paid — on every
door. Walked from the outside as such a user: the bid API (a bid and a maximum), the auction page's bid form (a
bid and a maximum), buy now, listing submission through the API and the page, and the payout after a handover,
which waits with the reason on the seller's sale page. Nothing is half-written; once the address is confirmed
through the emailed link, the same doors open."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.security import email_verification_link
from auctions.models import Bid
from marketplace.models import Listing
from payments import services as payment_services
from payments.models import PayoutTransfer, Sale
from tests.accounts.factories import DealerFactory, SellerFactory, StaffFactory, member_of
from tests.auctions.factories import make_auction
from tests.marketplace.factories import ListingFactory
from tests.payments.factories import SaleMaker, pay_by_card
from tests.payments.test_buy_now import open_offer, unsold_car
from tests.promises.conftest import token_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

REFUSAL = "Confirm your email address"


def unverified_dealer() -> User:
    dealer = DealerFactory(verified=True)  # the dealership is verified; the address is not
    User.objects.filter(pk=dealer.pk).update(email_verified_at=None)
    dealer.refresh_from_db()
    return dealer


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def test_an_unverified_dealer_cannot_bid_through_the_api_or_the_page_directly_or_by_maximum(
        client_for, redis, django_capture_on_commit_callbacks):
    auction = make_auction()
    dealer = unverified_dealer()
    api, page = token_client(dealer), client_for(dealer)

    direct = api.post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount_minor": 10_000_00}, format="json")
    proxy = api.post(f"/api/v1/auctions/{auction.pk}/bids/", {"max_amount_minor": 12_000_00}, format="json")
    keyed = api.post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount_minor": 10_000_00}, format="json",
                     HTTP_IDEMPOTENCY_KEY="first-try-0001")
    page_direct = page.post(reverse("auctions:bid", args=[auction.pk]), {"amount_minor": "1000000"},
                            format="multipart")
    page_proxy = page.post(reverse("auctions:bid", args=[auction.pk]), {"max_amount": "12000"}, format="multipart")

    for answer in (direct, proxy, keyed):
        assert answer.status_code == 403
        assert answer.json()["code"] == "email_not_verified" and REFUSAL in answer.json()["detail"]
    for answer in (page_direct, page_proxy):
        assert answer.status_code in (200, 302, 403) and REFUSAL in (messages_of(answer) + answer.content.decode())
    assert not Bid.objects.filter(auction=auction).exists()
    auction.refresh_from_db()
    assert auction.price_minor is None and auction.leader_id is None

    # The emailed link confirms the address; the same bid goes through.
    link = email_verification_link(user=dealer).split("127.0.0.1:8000", 1)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        assert page.get(link).status_code == 302
    assert api.post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount_minor": 10_000_00},
                    format="json").status_code == 201


def test_a_member_whose_address_is_unconfirmed_cannot_bid_for_a_verified_organisation(client_for, redis):
    auction = make_auction()
    organisation = DealerFactory(verified=True)
    buyer = member_of(organisation, "buyer", email_verified_at=None)
    answer = client_for(buyer).post(reverse("auctions:bid", args=[auction.pk]), {"amount_minor": "1000000"},
                                   format="multipart")
    assert REFUSAL in messages_of(answer) + answer.content.decode()
    assert not Bid.objects.filter(auction=auction).exists()


def test_an_unverified_dealer_cannot_buy_now(client_for):
    auction = unsold_car()
    offer = open_offer(auction)
    dealer = unverified_dealer()

    answer = client_for(dealer).post(reverse("payments:buy_now_buy", args=[offer.pk]), format="multipart")

    assert answer.status_code == 302 and REFUSAL in messages_of(answer)
    assert not Sale.objects.filter(buyer=dealer).exists()
    offer.refresh_from_db()
    assert offer.status == "open"


def test_an_unverified_seller_cannot_submit_a_listing_through_the_api_or_the_page(client_for):
    seller = SellerFactory(email_verified_at=None)
    by_api, by_page = ListingFactory(seller=seller), ListingFactory(seller=seller)

    api = token_client(seller).post(f"/api/v1/listings/{by_api.pk}/submit/", {}, format="json")
    page = client_for(seller).post(reverse("marketplace:submit", args=[by_page.pk]), format="multipart")

    assert api.status_code == 403 and api.json()["code"] == "email_not_verified"
    assert REFUSAL in messages_of(page) + page.content.decode()
    assert set(Listing.objects.filter(seller=seller).values_list("status", flat=True)) == {Listing.Status.DRAFT}
    # Browsing is fine: their dashboard and their draft open.
    assert client_for(seller).get(reverse("accounts:dashboard")).status_code == 200
    assert client_for(seller).get(reverse("marketplace:detail", args=[by_page.pk])).status_code == 200


def test_an_unverified_seller_is_not_paid_the_payout_waits_with_the_reason_on_their_sale_page(
        client_for, django_capture_on_commit_callbacks):
    sale = SaleMaker(django_capture_on_commit_callbacks)()
    seller = sale.seller
    User.objects.filter(pk=seller.pk).update(email_verified_at=None)
    pay_by_card(sale, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.handover_confirm(sale=sale, actor=StaffFactory())
        payment_services.payout_release(sale_id=sale.pk)

    sale.refresh_from_db()
    assert sale.payout_status == Sale.PayoutStatus.PENDING and sale.payout_attempts == 0
    assert "confirm your email address" in sale.payout_waiting_reason
    assert not PayoutTransfer.objects.filter(payee=seller).exists()
    page = client_for(seller).get(reverse("payments:detail", args=[sale.pk])).content.decode()
    assert "data-payout-waiting" in page and "confirm your email address" in page

    User.objects.filter(pk=seller.pk).update(email_verified_at=sale.created_at)
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.payout_release(sale_id=sale.pk)
    sale.refresh_from_db()
    seller.refresh_from_db()
    assert sale.payout_status == Sale.PayoutStatus.SENT and sale.payout_waiting_reason == ""
    assert sale.payout_account == seller.payout_account
    assert PayoutTransfer.objects.get(payee=seller).account == seller.payout_account


def test_a_new_account_is_unverified_and_gets_a_link_that_verifies_it(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("accounts:signup"), {
            "email": "new@example.test", "full_name": "Nia New", "phone": "", "password": "a-long-passphrase-7",
            "password_confirm": "a-long-passphrase-7"})
    assert answer.status_code == 302
    user = User.objects.get(email="new@example.test")
    assert user.email_verified_at is None
    sent = [m for m in mail.outbox if m.to == ["new@example.test"]]
    assert len(sent) == 1 and "Confirm your email address" in sent[0].subject
    link = re.search(r"https?://[^\s]+/accounts/verify-email/[^\s]+/", str(sent[0].body)).group(0)
    path = "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_an_api_sign_up_is_unverified_says_so_on_me_and_gets_the_link_too(django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    with django_capture_on_commit_callbacks(execute=True):
        created = APIClient().post("/api/v1/auth/signup/seller/", {
            "email": "api.new@example.test", "password": "a-long-passphrase-7", "full_name": "Api New"},
            format="json")
    assert created.status_code == 201 and created.json()["user"]["email_verified"] is False
    assert [m.to for m in mail.outbox if "Confirm your email address" in m.subject] == [["api.new@example.test"]]
    me = token_client(User.objects.get(email="api.new@example.test")).get("/api/v1/me/").json()
    assert (me["email_verified"], me["two_factor_enabled"]) == (False, False)


def test_a_tampered_or_expired_link_verifies_nothing(client, settings):
    seller = SellerFactory(email_verified_at=None)
    link = email_verification_link(user=seller).split("127.0.0.1:8000", 1)[-1]
    tampered = client.get(link.replace("/verify-email/", "/verify-email/x"))
    assert tampered.status_code == 400 and "not valid" in tampered.content.decode()
    settings.GAVEL_EMAIL_VERIFY_TTL = timedelta(seconds=-1)  # every link is older than that
    expired = client.get(link)
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    seller.refresh_from_db()
    assert seller.email_verified_at is None


def test_the_link_is_sent_again_from_the_profile_a_few_times_an_hour_then_refused_with_a_reason(
        client, redis, settings, django_capture_on_commit_callbacks):
    settings.GAVEL_VERIFY_RESEND_RATE = "2/h"
    seller = SellerFactory(email_verified_at=None)
    client.force_login(seller)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:verify_email_resend"), follow=True)
        assert f"We sent a new link to {seller.email}" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(reverse("accounts:verify_email_resend"), follow=True)
    assert "several links in the last hour" in refused.content.decode()
    assert len([m for m in mail.outbox if m.to == [seller.email]]) == 2
