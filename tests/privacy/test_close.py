"""Close my account: refused while anything is open; otherwise personal fields erased or pseudonymised everywhere,
sign-in gone, while the ledger still balances and the auction's public record still verifies."""

import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Cast
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import apikeys
from accounts import services as account_services
from accounts.models import ApiKey, SessionSighting, User
from auctions import services as auction_services
from core.audit import audit_record
from core.clock import db_now
from core.models import AuditLog
from marketplace import services as marketplace_services
from marketplace.models import Listing
from payments import services as payment_services
from payments.models import Document, Sale
from payments.services.deposits import deposit_topup_confirm, deposit_topup_request, deposit_withdraw
from privacy import services
from tests.accounts.factories import PASSWORD, DealerFactory, StaffFactory
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, upload
from tests.payments.factories import assert_books_balance, hand_over, pay_by_card, set_sale_times
from tests.transparency.test_auction_record import _ending_soon, gavel_verify

pytestmark = pytest.mark.django_db

IBAN = "DE89370400440532013000"


def _completed_sale(capture):
    """A sale closed on time (the auction's public record must verify), paid, handed over, paid out and past
    its dispute window."""
    buyer = DealerFactory(verified=True, full_name="Bea Buyer", phone="+49 30 111",
                          profile__buying_limit_minor=100_000_00)
    auction = _ending_soon(4)
    auction_services.bid_place(auction_id=auction.pk, dealer=buyer, amount_minor=12_500_00)
    while db_now() < auction.ends_at:
        time.sleep(max(0.05, (auction.ends_at - db_now()).total_seconds()))
    with capture(execute=True):
        payment_services.auction_close_and_settle(auction_id=auction.pk)
    sale = Sale.objects.get(auction=auction)
    User.objects.filter(pk=sale.seller_id).update(phone="+49 170 5550123", payout_account=IBAN,
                                                  full_name="Sina Seller")
    pay_by_card(sale, capture=capture)
    sale = hand_over(sale, capture)
    set_sale_times(sale, handed_over_at=timezone.now() - timedelta(days=30))
    payment_services.sales_complete_due()
    sale.refresh_from_db()
    assert sale.status == Sale.Status.COMPLETED
    return sale


def _texts_holding(value: str) -> list[str]:
    """Every model and text column (char, text, email, JSON) of the database still holding `value`."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.JSONField):
                rows = model._default_manager.annotate(_t=Cast(field.name, models.TextField())).filter(
                    _t__icontains=value)
            elif isinstance(field, models.CharField | models.TextField):
                rows = model._default_manager.filter(**{f"{field.name}__icontains": value})
            else:
                continue
            if rows.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_closure_is_refused_while_a_sale_is_unpaid_and_nothing_changes(make_sale):
    sale = make_sale()
    for person in (sale.seller, sale.buyer):
        assert any("not settled" in reason for reason in services.account_closure_obstacles(user=person))
        page = Client()
        page.force_login(person)
        answer = page.post("/accounts/data/close/", {"password": PASSWORD, "confirm": "on"})
        assert answer.status_code == 409 and "not settled" in answer.content.decode()
        person.refresh_from_db()
        assert person.is_active and person.closed_at is None and "@example.test" in person.email


def test_closure_is_refused_while_the_car_is_in_a_live_auction(db):
    listing = ListingFactory(status=Listing.Status.APPROVED)
    auction_services.auction_schedule(listing=listing, actor=StaffFactory(), starts_at=timezone.now(),
                                      duration_minutes=20, starting_price_minor=10_000_00)
    with pytest.raises(services.AccountNotClosable) as refused:
        services.account_close(user=listing.seller, actor=listing.seller, password=PASSWORD)
    assert any("auction of your car" in reason for reason in refused.value.reasons)
    assert refused.value.status_code == 409


def test_a_wrong_password_is_a_form_error_and_staff_need_a_reason(db):
    seller = ListingFactory().seller
    page = Client()
    page.force_login(seller)
    answer = page.post("/accounts/data/close/", {"password": "not-it", "confirm": "on"})
    assert answer.status_code == 400 and "That is not your password." in answer.content.decode()
    assert page.post("/accounts/data/close/", {"password": PASSWORD}).status_code == 400  # not confirmed
    with pytest.raises(services.ValidationFailed):
        services.account_close(user=seller, actor=StaffFactory(), reason="  ")
    with pytest.raises(services.PermissionRefused):
        services.account_close(user=seller, actor=DealerFactory(), reason="because")
    seller.refresh_from_db()
    assert seller.closed_at is None and seller.is_active


def test_closing_erases_personal_fields_everywhere_revokes_access_and_keeps_the_books(
        settings, django_capture_on_commit_callbacks, tmp_path):
    settings.GAVEL_SOFT_CLOSE_SECONDS = 1
    sale = _completed_sale(django_capture_on_commit_callbacks)
    seller, buyer = User.objects.get(pk=sale.seller_id), sale.buyer
    draft = ListingFactory(seller=seller, registration_plate="B-XY 999")
    marketplace_services.listing_photo_add(listing=draft, actor=seller, upload=upload(jpeg_bytes(800, 600)))
    account_services.session_seen(user=seller, ip="203.0.113.7", device="d" * 64)
    audit_record(obj=seller, action=AuditLog.Action.UPDATE, actor=seller, reason="Phone changed")
    old = {"email": seller.email, "name": seller.full_name, "phone": seller.phone, "iban": IBAN}
    page = Client()
    page.force_login(seller)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {account_services.token_for(user=seller)}")
    assert api.get("/api/v1/me/").status_code == 200

    answer = page.post("/accounts/data/close/", {"password": PASSWORD, "confirm": "on"})
    assert answer.status_code == 302

    seller.refresh_from_db()
    assert seller.full_name == f"Closed account #{seller.pk}"
    assert seller.email == f"closed-{seller.pk}@closed.invalid"
    assert (seller.phone, seller.payout_account, seller.is_active) == ("", "", False)
    assert seller.closed_at is not None and not seller.has_usable_password()
    assert not Listing.objects.filter(pk=draft.pk).exists()
    assert not SessionSighting.objects.filter(user=seller).exists() and not Token.objects.filter(user=seller).exists()
    assert page.get("/accounts/profile/").status_code == 302  # signed out
    assert api.get("/api/v1/me/").status_code == 401

    # Every text column of the database: the old email, name, phone and IBAN are gone, except from the issued
    # documents (the seller's statement: the retention exception invoices and statements are under) and, for the
    # IBAN, the record of where the payout was sent (the sale's and the transfer's: proof of payment, kept likewise).
    for what, value in old.items():
        kept = {"payments.Document.parties"} | (
            {"payments.Sale.payout_account", "payments.PayoutTransfer.account"} if what == "iban" else set())
        assert set(_texts_holding(value)) <= kept, what
    assert Document.objects.filter(recipient=seller).exists()
    signing_in = Client().post("/accounts/login/", {"username": old["email"], "password": PASSWORD})
    assert "_auth_user_id" not in signing_in.client.session

    # The audit log's copies are pseudonymised; its rows stay, and the trigger still refuses any other change.
    rows = AuditLog.objects.filter(actor=seller)
    assert set(rows.values_list("actor_repr", flat=True)) == {f"Closed account #{seller.pk}", seller.email}
    closure = AuditLog.objects.filter(field="closed_at", object_id=seller.pk).get()
    assert closure.reason == "Closed by the account holder." and closure.actor_id == seller.pk
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET reason = 'x' WHERE id = %s", [closure.pk])

    assert_books_balance()
    record = auction_services.auction_record_export(auction_id=sale.auction_id, user=buyer)
    assert old["email"].encode() not in record and old["name"].encode() not in record
    result = gavel_verify(tmp_path, record)
    assert result.returncode == 0, result.stdout + result.stderr

    # The buyer, settled and without a deposit, closes too; their API key goes with them.
    key, _ = apikeys.api_key_create(org=buyer.dealer_profile, actor=buyer, name="Sync", scopes=["read"])
    services.account_close(user=buyer, actor=buyer, password=PASSWORD)
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    for value in ("Bea Buyer", "+49 30 111"):
        assert set(_texts_holding(value)) <= {"payments.Document.parties"}
    assert_books_balance()


def test_staff_close_on_request_in_admin_with_a_reason_audited(db):
    staff = StaffFactory(is_superuser=True, is_staff=True)
    seller = ListingFactory().seller
    admin = Client()
    admin.force_login(staff)
    url = "/admin/accounts/user/"
    asked = admin.post(url, {"action": "close_accounts", "_selected_action": [seller.pk]})
    assert asked.status_code == 200 and "Reason" in asked.content.decode()
    refused = admin.post(url, {"action": "close_accounts", "_selected_action": [seller.pk], "apply": "1",
                               "reason": ""})
    assert refused.status_code == 200
    seller.refresh_from_db()
    assert seller.closed_at is None
    done = admin.post(url, {"action": "close_accounts", "_selected_action": [seller.pk], "apply": "1",
                            "reason": "Request by email, identity checked"})
    assert done.status_code == 302
    seller.refresh_from_db()
    assert seller.closed_at is not None
    row = AuditLog.objects.get(field="closed_at", object_id=seller.pk)
    assert (row.actor_id, row.reason) == (staff.pk, "Request by email, identity checked")

    other = DealerFactory(full_name="Otto Other")
    exported = admin.post(url, {"action": "export_personal_data", "_selected_action": [other.pk], "apply": "1",
                                "reason": "Subject access request of 1 December"})
    assert exported.status_code == 200 and exported["Content-Disposition"].startswith("attachment")
    assert b"Otto Other" in exported.content
    row = AuditLog.objects.get(action=AuditLog.Action.EXPORT, object_id=other.pk)
    assert (row.actor_id, row.reason) == (staff.pk, "Subject access request of 1 December")
    no_reason = admin.post(url, {"action": "export_personal_data", "_selected_action": [other.pk], "apply": "1",
                                 "reason": ""})
    assert no_reason.status_code == 200 and "Content-Disposition" not in no_reason


def test_closure_is_refused_while_the_deposit_holds_money_and_allowed_once_withdrawn(db):
    dealer = DealerFactory(verified=True)
    topup = deposit_topup_request(dealer=dealer, amount_minor=1_000_00)
    assert any("top-up" in reason for reason in services.account_closure_obstacles(user=dealer))
    deposit_topup_confirm(topup=topup, actor=StaffFactory())
    with pytest.raises(services.AccountNotClosable) as refused:
        services.account_close(user=dealer, actor=dealer, password=PASSWORD)
    assert any("Your deposit holds €1,000.00: withdraw it first." == r for r in refused.value.reasons)
    dealer.refresh_from_db()
    assert dealer.closed_at is None
    deposit_withdraw(dealer=dealer, amount_minor=1_000_00)
    services.account_close(user=dealer, actor=dealer, password=PASSWORD)
    dealer.refresh_from_db()
    assert dealer.closed_at is not None
    assert_books_balance()
