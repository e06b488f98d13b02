"""Promise 11: no input crashes the server.

Every route of the URL configuration is in the table below (a new route without an entry fails
`test_every_route_has_a_row_in_the_table`), with who may call it and a request that would succeed: a valid JSON body
for the API, valid form fields for the pages. Each test breaks that request one way and sends it through the real
stack (Django's test client, session or anonymous, CSRF and all middleware):

- JSON nested a thousand levels deep, as the whole body of every endpoint that takes JSON;
- a NUL character in each text of the request (each JSON string, however deep; each form field; the query
  string; a path parameter), which PostgreSQL cannot store;
- a number beyond any range in each numeric field: 10^30, "1e30", NaN, Infinity, a 5,000-digit number;

and requires a 4xx — for the API with the one error body ({"code", "detail", ...}) — and not a row of the
database changed (a fingerprint of every table before and after, each request in a savepoint of its own). The
card webhook (which parses its own body, behind a signature) and a WebSocket handshake to a path nobody routes
(against a real ASGI server) have tests of their own.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import constants as message_levels
from django.db import connection, transaction
from django.forms import BaseForm
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import organisations
from core.media import signature_for as media_signature_for
from inspections import services as inspection_services
from payments import services as payment_services
from payments.models import Sale, SecondChanceOffer
from payments.providers.card import SIGNATURE_HEADER, card_sign
from tests.accounts.factories import PASSWORD, DealerFactory
from tests.inspections.factories import jpeg_upload, scheduled_inspection, submitted_listing
from tests.marketplace.images import jpeg_bytes, pdf_bytes, upload
from tests.payments.factories import dispute_findings, pay_by_card, sold_auction
from tests.security.conftest import build_world
from tests.security.test_permission_matrix import _methods, _routes
from tests.shared_setup import RedisSnapshot

pytestmark = pytest.mark.django_db

NUL = "bad\x00text"
DEEP_BODIES = {"a list nested 1000 deep": "[" * 1000 + "]" * 1000,
               "an object nested 1000 deep": '{"a":' * 1000 + "1" + "}" * 1000}
# Each bad number as a JSON value and, for forms and query strings, as the text a person could type.
BAD_NUMBERS = {"10^30": (10**30, str(10**30)), "-10^30": (-(10**30), str(-(10**30))), "1e30": ("1e30", "1e30"),
               "NaN": ("NaN", "NaN"), "Infinity": ("Infinity", "Infinity"), "5000 digits": ("9" * 5000, "9" * 5000),
               "1e999999999": ("1e999999999", "1e999999999")}
# Literal JSON tokens in place of a number (NaN and Infinity are not JSON; a 5,000-digit integer literal).
RAW_NUMBER_TOKENS = {"NaN literal": "NaN", "Infinity literal": "Infinity", "1e400 literal": "1e400",
                     "5000-digit literal": "9" * 5000}
UNLIMITED = "1000000/min"


@dataclass
class Row:
    """One route and method: who calls it (gets past access control) and a request that would succeed."""

    route: str
    method: str
    role: str
    body: dict | None = None  # JSON (API) or form fields (pages); None: the request carries none
    kind: str = "json"  # json | form | multipart (files from `files`)
    numbers: tuple = ()  # paths (tuples of keys) of the numeric values in `body`
    query: dict = field(default_factory=dict)  # a valid query string (GET)
    query_numbers: tuple = ()
    kwargs: dict = field(default_factory=dict)  # path parameters other than the world's
    files: dict = field(default_factory=dict)  # name -> callable returning an upload

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api:")

    def __str__(self):
        return f"{self.method} {self.route} as {self.role}"


# Routes outside the table, with the reason. (Also outside: PUT on a page form, which Django answers as the POST
# without parsing the body, and methods a route answers 405.)
EXCLUDED = {
    "api:payments-webhook-card": "signed raw body: test_the_card_webhook_refuses_bad_input_without_a_500",
}


@pytest.fixture(scope="module")
def _stage_built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The stage, built once for this module in a transaction that stays open for it and is rolled back after it:
    each test runs in a savepoint inside it (and each of its requests in one more), so every test starts from the
    same stage and the database is as empty as ever for the other modules. Redis as it was after the build is put
    back before each test (the bid gate's copies of the world's auctions, written on commit)."""
    from config.celery import app

    media = tmp_path_factory.mktemp("stage-media")
    capture = TestCase.captureOnCommitCallbacks
    # What the function-scoped autouse fixtures give every test (tests/conftest.py, tests/promises/conftest.py),
    # given to the build too: its media, the test password hasher, in-memory email, tasks run in-process.
    eager_before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    try:
        with django_db_blocker.unblock(), transaction.atomic(), override_settings(
                MEDIA_ROOT=media, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            built = build_stage(build_world(capture), capture)
            app.conf.task_always_eager, app.conf.task_eager_propagates = eager_before
            yield built, media, RedisSnapshot()
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = eager_before


@pytest.fixture
def stage(_stage_built, settings):
    """The world, plus: an inspection in progress for the inspector, a dealer who has not bid yet, and no limits."""
    built, media, redis_after_build = _stage_built
    settings.MEDIA_ROOT = media  # the world's photos
    settings.GAVEL_BID_RATE = settings.GAVEL_UPLOAD_RATE = UNLIMITED
    settings.GAVEL_LOGIN_RATE = settings.GAVEL_SIGNUP_RATE = settings.GAVEL_SIGNUP_PAGE_RATE = UNLIMITED
    settings.AXES_ENABLED = False
    redis_after_build.restore()
    return built


def build_stage(world, django_capture_on_commit_callbacks):
    people, ids, report_listing = world
    inspector = people["inspector"]
    working = scheduled_inspection(inspector=inspector, listing=submitted_listing(seller=people["seller"]),
                                   staff=people["staff"])
    inspection_services.inspection_start(inspection=working, actor=inspector)
    booked = scheduled_inspection(inspector=inspector, listing=submitted_listing(seller=people["seller"]),
                                  staff=people["staff"])
    with django_capture_on_commit_callbacks(execute=True):  # the sale opens on commit
        sold = sold_auction(buyer=people["dealer"], seller=people["seller"])
    handed_over = Sale.objects.get(auction=sold)
    pay_by_card(handed_over, capture=django_capture_on_commit_callbacks)
    for party in (handed_over.seller, handed_over.buyer):  # the payout waits for a worker: not needed here
        payment_services.handover_confirm(sale=handed_over, actor=party)
    with django_capture_on_commit_callbacks(execute=True):
        paid_auction = sold_auction(buyer=people["dealer"], seller=people["seller"])
    paid = Sale.objects.get(auction=paid_auction)  # paid, not handed over: the collection check's moment
    pay_by_card(paid, capture=django_capture_on_commit_callbacks)
    people = {**people, "bidder": DealerFactory(verified=True, profile__buying_limit_minor=1_000_000_00)}
    with django_capture_on_commit_callbacks(execute=True):  # the invitation's email leaves on commit
        _invitation, invitation_token = organisations.invitation_create(
            org=people["dealer"].dealer_profile, actor=people["dealer"], email="joiner@example.test", role="buyer")
    ids = {**ids, "working_inspection_id": working.pk, "booked_inspection_id": booked.pk,
           "vin_on_car": working.listing.vin, "seller_email": people["seller"].email,
           "handed_over_sale_id": handed_over.pk, "paid_sale_id": paid.pk, "paid_vin": paid.listing.vin,
           "consent_sale_id": SecondChanceOffer.objects.get(pk=ids["offer_id"]).sale_id,
           "invitation_token": invitation_token}
    return people, ids, report_listing


def table(ids: dict, report_listing: dict) -> list[Row]:
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    listing = {"vin": "WVWZZZ1JZXW000123", "registration_plate": "B-GV 123", "make": "Volkswagen", "model": "Golf",
               "variant": "1.5 TSI", "first_registration_year": 2018, "mileage_km": 80_000, "fuel": "petrol",
               "transmission": "manual", "body_type": "hatchback", "colour": "Blue", "previous_owners": 1,
               "service_history": True, "postcode": "10115", "city": "Berlin", "description": "Well kept.",
               "reserve_minor": 12_000_00, "asking_price_minor": 14_000_00}
    listing_numbers = (("first_registration_year",), ("mileage_km",), ("previous_owners",), ("reserve_minor",),
                       ("asking_price_minor",))
    signup = {"email": "new@example.test", "password": "a-long-passphrase-7", "full_name": "New Person",
              "phone": "+49 30 1234"}
    dealer_signup = {**signup, "email": "new-dealer@example.test", "company_name": "Neu GmbH",
                     "trade_licence_number": "LIC-NEW-1", "address": "Hauptstraße 1, Berlin"}
    report = {"items": {"exterior_panels.bonnet": {"status": "minor", "note": "Stone chips"},
                        "tyres_wheels.tread_fl": {"value": "4.5", "note": "Even wear"},
                        "documents.keys_count": {"value": 2}},
              "facts": {"odometer_km": 100_000, "vin_on_car": ids["vin_on_car"], "accident": False},
              "damage": [{"panel": "bonnet", "type": "scratch", "severity": "minor", "note": "Long scratch"}]}
    working = {"inspection_id": ids["working_inspection_id"]}
    disputable = {"sale_id": ids["handed_over_sale_id"]}
    paid = {"sale_id": ids["paid_sale_id"]}
    check = {"vin_on_car": ids["paid_vin"], "odometer_km": "1000"}
    check_photos = {"vin_photo": jpeg_upload, "odometer_photo": jpeg_upload}
    filters = {"make": "Volkswagen", "model": "Golf", "year_min": 2000, "year_max": 2030, "mileage_max": 500_000,
               "price_min": 1, "price_max": 100_000, "location": "Berlin"}
    filter_numbers = (("year_min",), ("year_max",), ("mileage_max",), ("price_min",), ("price_max",))
    photo = {"photo": lambda: upload(jpeg_bytes(64, 48))}
    search = {"name": "Golfs", "make": "Volkswagen", "model": "Golf", "year_min": 2015, "year_max": 2022,
              "mileage_max": 150_000, "price_min_minor": 5_000_00, "price_max_minor": 20_000_00, "location": "Berlin",
              "alert_email": "daily", "alert_in_app": True, "alert_webhook": False}
    search_numbers = (("year_min",), ("year_max",), ("mileage_max",), ("price_min_minor",), ("price_max_minor",))
    endpoint = {"url": "https://93.184.215.14/hook", "events": ["auction.outbid", "auction.won"],
                "description": "Our CRM"}
    invited = {"token": ids["invitation_token"]}
    return [
        # --- the API ---------------------------------------------------------------------------------------------
        Row("api:auth-token", "POST", "anonymous", {"email": ids["seller_email"], "password": PASSWORD}),
        Row("api:auth-signup-seller", "POST", "anonymous", signup),
        Row("api:auth-signup-dealer", "POST", "anonymous", dealer_signup),
        Row("api:me", "GET", "seller"),
        Row("api:me", "PATCH", "seller", {"language": "de"}),
        Row("api:me-data", "GET", "seller"),
        Row("api:market", "GET", "anonymous", query={"format": "csv"}),
        Row("api:listing-list", "GET", "seller", query={"page": 1}, query_numbers=(("page",),)),
        Row("api:listing-list", "POST", "seller", listing, numbers=listing_numbers),
        Row("api:listing-detail", "GET", "seller"),
        Row("api:listing-detail", "PATCH", "seller", {k: v for k, v in listing.items() if k != "vin"},
            numbers=listing_numbers),
        Row("api:listing-submit", "POST", "seller"),
        Row("api:listing-withdraw", "POST", "seller", {"reason": "Sold it privately"}),
        Row("api:listing-photos", "POST", "seller", {}, kind="multipart", files=photo),
        Row("api:listing-photos-order", "POST", "seller", {"photo_ids": [ids["photo_id"]]},
            numbers=(("photo_ids", 0),)),
        Row("api:listing-photo-detail", "DELETE", "seller"),
        Row("api:listing-photo-cover", "POST", "seller"),
        Row("api:auction-list", "GET", "dealer", query=filters, query_numbers=filter_numbers),
        Row("api:auction-detail", "GET", "dealer"),
        Row("api:auction-bids", "GET", "dealer", query={"page": 1}, query_numbers=(("page",),)),
        Row("api:auction-bids", "POST", "bidder", {"max_amount_minor": 20_000_00}, numbers=(("max_amount_minor",),)),
        Row("api:auction-bids", "POST", "bidder", {"amount_minor": 20_000_00}, numbers=(("amount_minor",),)),
        Row("api:auction-watch", "POST", "dealer"),
        Row("api:auction-watch", "DELETE", "dealer"),
        Row("api:auction-decision", "POST", "seller", {"accept": True}),
        Row("api:auction-record", "GET", "seller"),
        Row("api:auction-receipts", "GET", "bidder"),
        Row("api:transparency-heads", "GET", "anonymous", query={"limit": 10}, query_numbers=(("limit",),)),
        Row("api:transparency-consistency", "GET", "anonymous", query={"first": 0, "second": 0},
            query_numbers=(("first",), ("second",))),
        Row("api:transparency-inclusion", "GET", "anonymous", query={"index": 0, "tree_size": 1},
            query_numbers=(("index",), ("tree_size",))),
        Row("api:inspection-list", "GET", "inspector"),
        Row("api:inspection-detail", "GET", "inspector", kwargs=working),
        Row("api:inspection-report", "PUT", "inspector", report, kwargs=working,
            numbers=(("items", "tyres_wheels.tread_fl", "value"), ("items", "documents.keys_count", "value"),
                     ("facts", "odometer_km"))),
        Row("api:inspection-photos", "POST", "inspector", {"target": "odometer"}, kind="multipart", kwargs=working,
            files={"photo": jpeg_upload}),
        Row("api:inspection-publish", "POST", "inspector", kwargs=working),
        Row("api:listing-report", "GET", "dealer", kwargs={"listing_id": report_listing["api:listing-report"]}),
        Row("api:sale-list", "GET", "dealer"),
        Row("api:sale-detail", "GET", "dealer"),
        Row("api:sale-report-lines", "GET", "dealer"),
        Row("api:sale-pay", "POST", "dealer", {"provider": "bank_transfer"}),
        Row("api:sale-handover", "POST", "dealer", {"place": "Hauptstraße 5, Berlin", "doc_keys": True,
                                                    "proposed_at": tomorrow.isoformat()}),
        Row("api:sale-dispute", "POST", "dealer", {"reason": "The gearbox slips", "findings": json.dumps(
            [{"key": "transmission.gearbox_noise", "severity": "major", "photos": ["gearbox"]}])},
            kind="multipart", files={"gearbox": jpeg_upload}, kwargs=disputable),
        Row("api:sale-collection-check", "GET", "dealer", kwargs=paid),
        Row("api:sale-collection-check", "POST", "dealer", {**check, "findings": "[]"}, kind="multipart",
            numbers=(("odometer_km",),), files=check_photos, kwargs=paid),
        Row("api:sale-adjustment", "GET", "dealer", kwargs=paid),
        Row("api:sale-adjustment", "POST", "dealer", kwargs=paid),
        Row("api:sale-adjustment-decision", "POST", "seller", {"accept": False}, kwargs=paid),
        Row("api:second-chance-list", "GET", "dealer"),
        Row("api:seller-decision-list", "GET", "seller"),
        Row("api:seller-decision", "POST", "seller", {"accept": False}),
        Row("api:sale-cancel", "POST", "seller", {"reason": "The buyer was suspended"},
            kwargs={"sale_id": ids["consent_sale_id"]}),
        Row("api:second-chance-decision", "POST", "dealer", {"decision": "decline"}),
        # Dealer organisations, API keys, saved searches, webhooks, web push (issue 17); `dealer` is an owner.
        Row("api:organisation-members", "GET", "dealer"),
        Row("api:organisation-members", "POST", "dealer", {"email": "joiner2@example.test", "role": "buyer"}),
        Row("api:organisation-member", "PATCH", "dealer", {"role": "accounts"}),
        Row("api:organisation-member", "DELETE", "dealer"),
        Row("api:organisation-api-keys", "GET", "dealer"),
        Row("api:organisation-api-keys", "POST", "dealer", {"name": "CRM", "scopes": ["read", "bid"]}),
        Row("api:organisation-api-key", "DELETE", "dealer"),
        Row("api:saved-search-list", "GET", "dealer"),
        Row("api:saved-search-list", "POST", "dealer", search, numbers=search_numbers),
        Row("api:saved-search-detail", "DELETE", "dealer"),
        Row("api:webhook-endpoint-list", "GET", "dealer"),
        Row("api:webhook-endpoint-list", "POST", "dealer", endpoint),
        Row("api:webhook-endpoint-detail", "DELETE", "dealer"),
        Row("api:webhook-endpoint-enable", "POST", "dealer"),
        Row("api:webhook-delivery-redeliver", "POST", "dealer"),
        Row("api:push-subscriptions", "POST", "dealer",
            {"endpoint": "https://93.184.215.14/push/abc", "keys": {"p256dh": "BNc-key", "auth": "auth-secret"}}),
        Row("api:push-subscriptions", "DELETE", "dealer", {"endpoint": "https://93.184.215.14/push/abc"}),
        Row("schema", "GET", "anonymous", query={"format": "json"}),
        Row("api-docs", "GET", "anonymous"),
        # --- the pages -------------------------------------------------------------------------------------------
        Row("home", "GET", "anonymous", query={"ref": "ad"}),
        Row("dealers", "GET", "anonymous"),
        Row("insights:methods", "GET", "anonymous"),
        Row("insights:market", "GET", "anonymous"),
        Row("insights:inspectors", "GET", "staff"),
        Row("healthz", "GET", "anonymous"),
        Row("livez", "GET", "anonymous"),
        Row("service_worker", "GET", "anonymous"),
        Row("notifications", "GET", "dealer", query={"page": 1}, query_numbers=(("page",),)),
        Row("notifications_read", "POST", "dealer", {"id": "1"}, kind="form", numbers=(("id",),)),
        Row("notifications_preferences", "GET", "dealer"),
        Row("notifications_preferences", "POST", "dealer", {"outbid:in_app": "1", "outbid:email": "1"}, kind="form"),
        Row("accounts:organisation_invite", "POST", "dealer", {"email": "joiner3@example.test", "role": "buyer"},
            kind="form"),
        Row("accounts:organisation_member", "POST", "dealer", {"role": "accounts"}, kind="form"),
        Row("accounts:organisation_member", "POST", "dealer", {"action": "remove"}, kind="form"),
        Row("accounts:organisation_key_create", "POST", "dealer", {"name": "CRM", "scopes": ["read", "pay"]},
            kind="form"),
        Row("accounts:organisation_key_revoke", "POST", "dealer", {}, kind="form"),
        Row("accounts:invitation_accept", "GET", "anonymous", kwargs=invited),
        Row("accounts:invitation_accept", "POST", "anonymous", {"full_name": "Jo Joiner",
                                                                "password": "a-long-passphrase-9"},
            kind="form", kwargs=invited),
        Row("auctions:saved_searches", "GET", "dealer"),
        Row("auctions:saved_searches", "POST", "dealer", {**filters, "name": "Golfs", "alert_in_app": "1",
                                                          "alert_email": "instant", "alert_webhook": "1"},
            kind="form", numbers=filter_numbers),
        Row("auctions:saved_search_delete", "POST", "dealer", {}, kind="form"),
        Row("integrations:webhooks", "GET", "dealer"),
        Row("integrations:webhooks", "POST", "dealer", endpoint, kind="form"),
        Row("integrations:webhook_enable", "POST", "dealer", {}, kind="form"),
        Row("integrations:webhook_redeliver", "POST", "dealer", {}, kind="form"),
        Row("integrations:webhook_delete", "POST", "dealer", {}, kind="form"),
        Row("accounts:organisation", "GET", "dealer"),
        Row("payments:document", "GET", "dealer"),
        Row("api:webhook-delivery-list", "GET", "dealer"),
        Row("favicon", "GET", "anonymous"),
        Row("media", "GET", "seller", query={"sig": media_signature_for(ids["path"])}),  # the draft's photo, signed
        Row("accounts:signup", "GET", "anonymous"),
        Row("accounts:signup", "POST", "anonymous", {**signup, "password_confirm": signup["password"]}, kind="form"),
        Row("accounts:signup_dealer", "GET", "anonymous"),
        Row("accounts:signup_dealer", "POST", "anonymous",
            {**dealer_signup, "password_confirm": signup["password"]}, kind="form"),
        Row("accounts:login", "GET", "anonymous", query={"next": "/auctions/"}),
        Row("accounts:login", "POST", "anonymous", {"username": ids["seller_email"], "password": PASSWORD},
            kind="form"),
        Row("accounts:logout", "POST", "seller", {}, kind="form"),
        Row("accounts:language_set", "POST", "seller", {"language": "de", "next": "/"}, kind="form"),
        Row("accounts:password_reset", "GET", "anonymous"),
        Row("accounts:password_reset", "POST", "anonymous", {"email": "nobody@example.test"}, kind="form"),
        Row("accounts:password_reset_done", "GET", "anonymous"),
        Row("accounts:password_reset_confirm", "GET", "anonymous"),
        Row("accounts:password_reset_confirm", "POST", "anonymous",
            {"new_password1": "a-long-passphrase-8", "new_password2": "a-long-passphrase-8"}, kind="form"),
        Row("accounts:password_reset_complete", "GET", "anonymous"),
        Row("accounts:profile", "GET", "seller"),
        Row("accounts:profile", "POST", "seller", {"full_name": "Sam Seller", "phone": "+49 30 999"}, kind="form"),
        Row("accounts:dashboard", "GET", "seller"),
        Row("privacy:overview", "GET", "seller"),
        Row("privacy:export", "GET", "seller"),
        Row("privacy:close", "POST", "seller", {"password": PASSWORD, "confirm": "on"}, kind="form"),
        Row("accounts:two_factor_verify", "GET", "seller"),
        Row("accounts:two_factor_verify", "POST", "seller", {"code": "123456"}, kind="form"),
        Row("accounts:two_factor_setup", "GET", "seller"),
        Row("accounts:two_factor_setup", "POST", "seller", {"code": "123456"}, kind="form"),
        Row("accounts:two_factor_disable", "POST", "seller", {"current_password": PASSWORD, "code": "123456"},
            kind="form"),
        Row("accounts:verify_email", "GET", "anonymous", kwargs={"token": "not-a-link"}),
        Row("accounts:verify_email_resend", "POST", "seller", {}, kind="form"),
        Row("accounts:payout_account", "GET", "seller"),
        Row("accounts:payout_account", "POST", "seller", {"payout_account": "DE89 3704 0044 0532 0130 00",
                                                          "current_password": PASSWORD}, kind="form"),
        Row("marketplace:list", "GET", "seller"),
        Row("marketplace:create", "GET", "seller"),
        Row("marketplace:create", "POST", "seller",
            {k: listing[k] for k in ("vin", "registration_plate", "make", "model", "variant",
                                     "first_registration_year")}, kind="form",
            numbers=(("first_registration_year",),)),
        Row("marketplace:detail", "GET", "seller"),
        Row("marketplace:edit", "GET", "seller"),
        Row("marketplace:edit", "POST", "seller",
            {"mileage_km": 80_000, "fuel": "petrol", "transmission": "manual", "body_type": "hatchback",
             "colour": "Blue", "previous_owners": 1, "service_history": "yes", "postcode": "10115", "city": "Berlin",
             "description": "Well kept."}, kind="form", kwargs={"step": 2},
            numbers=(("mileage_km",), ("previous_owners",))),
        Row("marketplace:edit", "POST", "seller", {"reserve_minor": 12_000, "asking_price_minor": 14_000},
            kind="form", kwargs={"step": 3}, numbers=(("reserve_minor",), ("asking_price_minor",))),
        Row("marketplace:photos", "GET", "seller"),
        Row("marketplace:photos", "POST", "seller", {}, kind="multipart",
            files={"photos": lambda: upload(jpeg_bytes(64, 48))}),
        Row("marketplace:document_upload", "POST", "seller", {}, kind="multipart",
            files={"document": lambda: upload(pdf_bytes(), "registration.pdf", "application/pdf")}),
        Row("accounts:dealer_document_upload", "POST", "dealer", {}, kind="multipart",
            files={"document": lambda: upload(pdf_bytes(), "licence.pdf", "application/pdf")}),
        Row("marketplace:photo_action", "POST", "seller", {}, kind="form", kwargs={"action": "cover"}),
        Row("marketplace:submit", "POST", "seller", {}, kind="form"),
        Row("marketplace:withdraw", "POST", "seller", {"reason": "Sold it privately"}, kind="form"),
        Row("marketplace:relist", "POST", "seller", {"reserve": "12000", "starting_price": "9000"}, kind="form",
            numbers=(("reserve",), ("starting_price",))),
        Row("marketplace:vin_decode", "GET", "seller", query={"vin": "1HGCM82633A004352"}),
        Row("auctions:dashboard", "GET", "dealer", query={**filters, "price_max": 100_000, "tab": "all"},
            query_numbers=filter_numbers),
        Row("auctions:detail", "GET", "dealer"),
        Row("auctions:bid", "POST", "bidder", {"amount_minor": 20_000_00}, kind="form",
            numbers=(("amount_minor",),)),
        Row("auctions:bid", "POST", "bidder", {"max_amount": "20000"}, kind="form", numbers=(("max_amount",),)),
        Row("auctions:watch", "POST", "dealer", {"watch": "1", "next": "/auctions/"}, kind="form"),
        Row("auctions:decision", "POST", "seller", {"accept": "1"}, kind="form"),
        Row("auctions:rules", "GET", "anonymous"),
        Row("auctions:record", "GET", "seller"),
        Row("auctions:receipts", "GET", "bidder"),
        Row("transparency:log", "GET", "anonymous", query={"first": 0, "second": 0, "index": 0, "tree_size": 1},
            query_numbers=(("first",), ("second",), ("index",), ("tree_size",))),
        Row("transparency:heads_json", "GET", "anonymous"),
        Row("auctions:counter_offer", "POST", "seller", {"amount": "20000"}, kind="form", numbers=(("amount",),)),
        Row("auctions:counter_answer", "POST", "dealer", {"accept": "0"}, kind="form"),
        Row("inspections:queue", "GET", "inspector"),
        Row("inspections:work", "GET", "inspector", kwargs=working),
        Row("inspections:claim", "POST", "other_inspector", {}, kind="form"),
        Row("inspections:schedule", "POST", "inspector",
            {"scheduled_at": tomorrow.strftime("%Y-%m-%dT%H:%M"), "place": "Invalidenstraße 1, Berlin"},
            kind="form", kwargs={"inspection_id": ids["booked_inspection_id"]}),
        Row("inspections:start", "POST", "inspector", {}, kind="form", kwargs=working),
        Row("inspections:save", "POST", "inspector",
            {"section": "tyres_wheels", "status__exterior_panels.bonnet": "minor",
             "note__exterior_panels.bonnet": "Stone chips", "value__tyres_wheels.tread_fl": "4.5",
             "value__documents.keys_count": "2", "fact__odometer_km": "100000", "fact__vin_on_car": ids["vin_on_car"]},
            kind="form", kwargs=working,
            numbers=(("value__tyres_wheels.tread_fl",), ("value__documents.keys_count",), ("fact__odometer_km",))),
        Row("inspections:damage_add", "POST", "inspector",
            {"panel": "bonnet", "type": "dent", "severity": "minor", "note": "Small dent"}, kind="form",
            kwargs=working),
        Row("inspections:damage_remove", "POST", "inspector", {}, kind="form", kwargs=working),
        Row("inspections:photo_remove", "POST", "inspector", {}, kind="form", kwargs=working),
        Row("inspections:submit", "POST", "inspector", {}, kind="form", kwargs=working),
        Row("inspections:publish", "POST", "inspector", {}, kind="form", kwargs=working),
        Row("inspection_report", "GET", "dealer", query={"revision": 1}, query_numbers=(("revision",),),
            kwargs={"listing_id": report_listing["inspection_report"]}),
        Row("payments:list", "GET", "dealer"),
        Row("payments:detail", "GET", "dealer"),
        Row("payments:invoice", "GET", "dealer"),
        Row("payments:pay", "POST", "dealer", {"provider": "bank_transfer"}, kind="form"),
        Row("payments:collection", "POST", "dealer",
            {"proposed_at": tomorrow.strftime("%Y-%m-%dT%H:%M"), "place": "Hauptstraße 5, Berlin", "doc_keys": "on"},
            kind="form"),
        Row("payments:handover", "POST", "dealer", {}, kind="form"),
        Row("payments:dispute", "POST", "dealer", {"reason": "The gearbox slips",
                                                   "findings-0-key": "transmission.gearbox_noise",
                                                   "findings-0-severity": "major"},
            kind="multipart", files={"findings-0-photos": jpeg_upload}, kwargs=disputable),
        Row("payments:check", "GET", "dealer", kwargs=paid),
        Row("payments:check", "POST", "dealer", {**check, "findings-0-key": "", "findings-0-severity": "minor"},
            kind="multipart", numbers=(("odometer_km",),), files=check_photos, kwargs=paid),
        Row("payments:adjustment", "POST", "dealer", {}, kind="form", kwargs=paid),
        Row("payments:adjustment-decide", "POST", "seller", {"decision": "accept"}, kind="form", kwargs=paid),
        Row("payments:deposit", "GET", "dealer"),
        Row("api:deposit", "GET", "dealer"),
        Row("api:deposit-topups", "POST", "dealer", {"amount_minor": 1_000_00}, numbers=(("amount_minor",),)),
        Row("api:deposit-withdrawals", "POST", "dealer", {"amount_minor": 10_00}, numbers=(("amount_minor",),)),
        Row("payments:deposit-topup", "POST", "dealer", {"topup-amount_minor": "1,000.00"}, kind="form",
            numbers=(("topup-amount_minor",),)),
        Row("payments:deposit-withdraw", "POST", "dealer", {"withdraw-amount_minor": "10.00"}, kind="form",
            numbers=(("withdraw-amount_minor",),)),
        Row("rules-fees", "GET", "anonymous"),
        Row("transparency", "GET", "anonymous"),
        Row("payments:card-page", "GET", "dealer"),
        Row("payments:card-page", "POST", "dealer", {}, kind="form"),
        Row("payments:offer", "POST", "dealer", {"decision": "decline"}, kind="form"),
        Row("payments:buy_now_answer", "POST", "seller", {"agree": "0"}, kind="form"),
        Row("payments:buy_now_buy", "POST", "dealer", {}, kind="form"),
        Row("payments:decision", "POST", "seller", {"accept": "0"}, kind="form",
            kwargs={"sale_id": ids["consent_sale_id"]}),
        Row("payments:cancel", "POST", "seller", {"reason": "The buyer was suspended"}, kind="form",
            kwargs={"sale_id": ids["consent_sale_id"]}),
    ]


# --- helpers ---------------------------------------------------------------------------------------------------

def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of all its rows, in one statement."""
    tables = sorted(connection.introspection.table_names())
    quote_name = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT %s, count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) "
        f"FROM {quote_name(name)} t" for name in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def _client(people, role) -> APIClient:
    client = APIClient()
    client.raise_request_exception = False  # a 500 is an answer to report, not an exception in the test
    if role != "anonymous":
        client.force_login(people[role])
    return client


def _url(row: Row, ids: dict, report_listing: dict, pattern, **overrides) -> str:
    kwargs = {}
    for key in pattern.pattern.converters:
        kwargs[key] = ids.get(key)
    if row.route in report_listing:
        kwargs["listing_id"] = report_listing[row.route]
    if row.route == "inspections:photo_remove":
        kwargs["photo_id"] = 999_999
    kwargs.update(row.kwargs)
    kwargs.update(overrides)
    url = reverse(row.route, kwargs=kwargs)
    return url


def _patterns() -> dict:
    return dict(_routes())


def _send(client, row: Row, url: str, *, body=None, raw: str | None = None, query: dict | None = None,
          headers: dict | None = None):
    if query:
        url = f"{url}?{urlencode(query)}"
    headers = headers or {}
    if row.method == "GET":
        return client.get(url, **headers)
    if raw is not None:
        return client.generic(row.method, url, raw.encode(), content_type="application/json", **headers)
    data = row.body if body is None else body
    if row.kind == "json":
        payload = b"" if data is None else json.dumps(data).encode()
        return client.generic(row.method, url, payload, content_type="application/json", **headers)
    files = {name: make() for name, make in row.files.items()}
    if row.kind == "multipart":
        return getattr(client, row.method.lower())(url, {**data, **files}, format="multipart", **headers)
    return client.generic(row.method, url, urlencode(data or {}, doseq=True),
                          content_type="application/x-www-form-urlencoded", **headers)


def _replace(data, path: tuple, value):
    """A deep copy of `data` with the value at `path` replaced."""
    copy = json.loads(json.dumps(data))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def _text_paths(data, prefix=()) -> list[tuple]:
    """The path of every string in `data` (dict keys included, as ('<key>', name))."""
    paths = []
    if isinstance(data, dict):
        for key, value in data.items():
            paths += _text_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            paths += _text_paths(value, (*prefix, index))
    elif isinstance(data, str):
        paths.append(prefix)
    return paths


def _page_refused(response) -> bool:
    """A page's refusal a person sees: the form again with its errors (200), or a redirect back with an error
    message. (A 4xx is a refusal too.)"""
    if response.status_code == 200 and response.context is not None:
        contexts = response.context if isinstance(response.context, list) else [response.context]
        values = [value for context in contexts for value in context.flatten().values()]
        # Forms, and the forms inside the admin's wrappers (AdminForm).
        forms = [value for value in values if isinstance(value, BaseForm)] + [
            value.form for value in values if isinstance(getattr(value, "form", None), BaseForm)]
        shown = [m for m in response.context.get("messages") or [] if m.level >= message_levels.WARNING]
        return any(form.errors for form in forms) or bool(shown)
    if response.status_code == 302:
        queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
        return any(m.level >= message_levels.WARNING for m in queued)
    return False


def _problem(row: Row, what: str, response, before: dict, *, strict: bool = False) -> str | None:
    """What is wrong with the answer to a bad request, or None: not a row of the database changed, and a 4xx
    (the API: with the one error body). Unless `strict`, a page may also refuse as pages do (see _page_refused),
    and a page's GET (a filter, say) may ignore what it cannot use."""
    status = response.status_code
    if row.route == "healthz" and status == 503:  # a part is down (no Celery worker runs here): an answer
        status = 200
    if row.is_api or status >= 500 or strict:
        if not 400 <= status < 500:
            return f"{row} with {what}: {status} (expected a 4xx)"
    elif row.method == "GET":
        pass
    elif not (400 <= status < 500 or _page_refused(response)):
        return f"{row} with {what}: {status} without a refusal the person can see"
    if row.is_api or response.get("Content-Type", "").startswith("application/json"):
        try:
            body = response.json()
        except ValueError:
            return f"{row} with {what}: {status} without a JSON error body"
        if not (isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("detail"), str)):
            return f"{row} with {what}: {status} {body!r} is not the error body"
    after = database_fingerprint()
    changed = sorted(name for name in after if after[name] != before.get(name))
    if changed:
        return f"{row} with {what}: {status}, but it wrote to {changed}"
    return None


def _try(row: Row, what: str, send, *, strict: bool = False, before: dict | None = None) -> str | None:
    """Send one bad request in a savepoint of its own (rolled back, so no request sees another's effects).
    `before`: the database's fingerprint as every savepoint starts, when the caller knows it (see _run)."""
    try:
        with transaction.atomic():
            if before is None:
                before = database_fingerprint()
            response = send()
            problem = _problem(row, what, response, before, strict=strict)
            transaction.set_rollback(True)
    except Exception as exc:  # noqa: BLE001  (a request that broke the test's transaction is a failure too)
        return f"{row} with {what}: {exc!r}"
    return problem


def _run(stage, variants, *, strict: bool = False) -> list[str]:
    """variants(row) -> [(what, kwargs for _send, url overrides)] for each row; returns the problems."""
    people, ids, report_listing = stage
    patterns = _patterns()
    rows = table(ids, report_listing)
    clients = {role: _client(people, role) for role in dict.fromkeys(row.role for row in rows)}
    # Every request runs in a savepoint that is rolled back and nothing else writes in between, so every savepoint
    # starts from this one state: fingerprinted once, not before each request (checked again at the end).
    before = database_fingerprint()
    problems = []
    for row in rows:
        for what, send_kwargs, overrides in variants(row):
            url = _url(row, ids, report_listing, patterns[row.route], **overrides)
            problems.append(_try(row, what, lambda c=clients[row.role], r=row, u=url, k=send_kwargs:
                                 _send(c, r, u, **k), strict=strict, before=before))
    assert database_fingerprint() == before, "the database changed between two requests, outside their savepoints"
    return [p for p in problems if p]


# --- the tests -------------------------------------------------------------------------------------------------

def test_every_route_has_a_row_in_the_table(stage):
    people, ids, report_listing = stage
    covered = {(row.route, row.method) for row in table(ids, report_listing)}
    missing = [f"{name} {method}" for name, pattern in _routes() if name not in EXCLUDED
               for method in _methods(pattern) if (name, method) not in covered
               and not (method == "PUT" and (name, "POST") in covered and name.partition(":")[0] != "api")
               and not _answers_405(people, ids, report_listing, name, pattern, method)]
    assert missing == [], f"routes without a row (add them to the table): {missing}"


def _answers_405(people, ids, report_listing, name, pattern, method) -> bool:
    row = Row(name, method, "staff")
    url = _url(row, ids, report_listing, pattern)
    with transaction.atomic():
        status = getattr(_client(people, "staff"), method.lower())(url).status_code
        transaction.set_rollback(True)
    return status == 405


def test_json_nested_a_thousand_levels_deep_is_refused_by_every_endpoint_that_takes_json(stage):
    def variants(row):
        if not row.is_api or row.method == "GET" or row.body is None:
            return []
        return [(name, {"raw": raw}, {}) for name, raw in DEEP_BODIES.items()]

    problems = _run(stage, variants)
    assert not problems, "\n".join(problems)


def test_a_nul_character_in_any_text_of_any_request_is_refused(stage):
    def variants(row):
        found: list = []
        if row.method == "GET" or row.body is None:
            for name in [*row.query, "q"]:
                found.append((f"NUL in the query parameter {name}", {"query": {**row.query, name: NUL}}, {}))
        if row.body is not None:
            for path in _text_paths(row.body):
                found.append((f"NUL in {'.'.join(map(str, path))}", {"body": _replace(row.body, path, NUL)}, {}))
            if isinstance(row.body, dict):
                found.append(("NUL in a field name", {"body": {**row.body, NUL: "x"}}, {}))
        return found

    problems = _run(stage, variants, strict=True)  # NUL: always the 400 at the door
    assert not problems, "\n".join(problems)


def test_numbers_beyond_any_range_are_refused_in_every_numeric_field(stage):
    def variants(row):
        found: list = []
        for path in row.numbers:
            for name, (as_json, as_text) in BAD_NUMBERS.items():
                value = as_json if row.kind == "json" else as_text
                found.append((f"{name} in {'.'.join(map(str, path))}", {"body": _replace(row.body, path, value)}, {}))
            if row.kind == "json":
                marker = "__GAVEL_NUMBER__"
                template = json.dumps(_replace(row.body, path, marker))
                for name, token in RAW_NUMBER_TOKENS.items():
                    found.append((f"{name} in {'.'.join(map(str, path))}",
                                  {"raw": template.replace(f'"{marker}"', token)}, {}))
        for path in row.query_numbers:
            for name, (_, as_text) in BAD_NUMBERS.items():
                found.append((f"{name} in the query parameter {path[0]}",
                              {"query": {**row.query, path[0]: as_text}}, {}))
        return found

    problems = _run(stage, variants)
    assert not problems, "\n".join(problems)


# The write routes of issue 17 (organisations, API keys, saved searches, webhooks, notification settings, web push).
ISSUE_17_ROUTES = {
    "api:organisation-members", "api:organisation-member", "api:organisation-api-keys", "api:saved-search-list",
    "api:webhook-endpoint-list", "api:push-subscriptions", "notifications_read", "accounts:organisation_invite",
    "accounts:organisation_member", "accounts:organisation_key_create", "accounts:invitation_accept",
    "auctions:saved_searches", "integrations:webhooks"}
# A body without any field is a request of its own on these: mark every notification read, switch every one off.
EMPTY_IS_A_REQUEST = {"notifications_read", "notifications_preferences"}
GARBAGE_JSON = {"a list": [], "an object": {"x": 1}, "a number": 7, "true": True, "null": None,
                "10,000 characters": "x" * 10_000}
GARBAGE_TEXT = {"10,000 characters": "x" * 10_000, "symbols": "\ufffd☃ ' \" <script>", "JSON text": "[1, {}]"}


def test_issue_17_write_routes_refuse_an_empty_body_and_never_fail_on_garbage_in_a_field(stage):
    """An empty body is refused (a 4xx, or the form again with its errors) and writes nothing. Garbage in one field
    (a list, an object, a number, a boolean or null where the API wants text; 10,000 characters, symbols, JSON text
    in a form) is refused the same way, or taken for what it is when it is a valid value (a number is a name too):
    never a 500, never half a write."""
    people, ids, report_listing = stage
    patterns = _patterns()
    problems = []
    for row in table(ids, report_listing):
        if row.route not in ISSUE_17_ROUTES or row.method == "GET" or not row.body:
            continue
        client = _client(people, row.role)
        url = _url(row, ids, report_listing, patterns[row.route])
        if row.route not in EMPTY_IS_A_REQUEST:
            problems.append(_try(row, "an empty body", lambda c=client, r=row, u=url: _send(c, r, u, body={})))
        garbage = GARBAGE_JSON if row.kind == "json" else GARBAGE_TEXT
        for name in row.body:
            if row.route == "notifications_read" or (row.route, name) == ("accounts:organisation_member", "action"):
                continue  # another value is another action (all read; a role change), not garbage
            for what, value in garbage.items():
                with transaction.atomic():
                    before = database_fingerprint()
                    response = _send(client, row, url, body={**row.body, name: value})
                    refused = 400 <= response.status_code < 500 or (not row.is_api and _page_refused(response))
                    if response.status_code >= 500:
                        problems.append(f"{row} with {what} as {name}: {response.status_code}")
                    elif refused:
                        problems.append(_problem(row, f"{what} as {name}", response, before))
                    transaction.set_rollback(True)
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_a_nul_character_in_a_path_parameter_is_refused(stage):
    people, ids, report_listing = stage
    client = _client(people, "staff")
    dealer, seller, inspector = (_client(people, role) for role in ("dealer", "seller", "inspector"))
    nul = quote("\x00")
    cases = [
        (dealer, f"/sales/card/{nul}/", "GET"), (dealer, f"/sales/card/ref{nul}x/", "POST"),
        (seller, f"/media/listings/a{nul}.jpg", "GET"), (client, f"/media/{nul}", "GET"),
        (client, f"/accounts/reset/{nul}/{nul}/", "GET"),
        (inspector, f"/inspect/{ids['working_inspection_id']}/damage/{nul}/remove/", "POST"),
        (seller, f"/sell/{ids['listing_id']}/photos/{ids['photo_id']}/{nul}/", "POST"),
        (client, f"/admin/marketplace/listing/{nul}/change/", "GET"),
    ]
    problems = []
    for who, url, method in cases:
        row = Row(url, method, "someone")
        problems.append(_try(row, "NUL in the path", lambda c=who, u=url, m=method: getattr(c, m.lower())(u),
                             strict=True))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


# A cookie's quoted-string escape that Django's cookie parser turns into a NUL: printable on the wire, so no server
# refuses it before Gavel sees it.
NUL_SESSION_COOKIE = f'{django_settings.SESSION_COOKIE_NAME}="\\000abcdefghijklmnopqrstuvwxyz01234"'


def test_a_nul_in_a_header_is_refused_and_a_session_cookie_holding_one_is_no_session(stage):
    people, ids, _ = stage
    anonymous = _client(people, "anonymous")
    headers = {"HTTP_AUTHORIZATION": "Token \x00abc", "HTTP_IDEMPOTENCY_KEY": "k\x00", "HTTP_ACCEPT_LANGUAGE": "\x00"}
    problems = [_try(Row(url, method, "anonymous"), f"a NUL in {name}",
                     lambda u=url, m=method, h={name: value}: getattr(anonymous, m)(u, **h), strict=True)
                for name, value in headers.items()
                for url, method in (("/api/v1/me/", "get"), ("/accounts/dashboard/", "get"),
                                    (f"/api/v1/auctions/{ids['auction_id']}/bids/", "post"))]
    assert not [p for p in problems if p], "\n".join(p for p in problems if p)

    page = anonymous.get("/accounts/dashboard/", HTTP_COOKIE=NUL_SESSION_COOKIE)
    api = anonymous.get("/api/v1/me/", HTTP_COOKIE=NUL_SESSION_COOKIE)
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]  # anonymous: to the login page
    assert api.status_code in (401, 403) and api.json()["code"] in ("not_authenticated", "authentication_failed")


def test_staff_pages_refuse_a_nul_in_a_search_and_an_amount_beyond_range(stage):
    people, ids, _ = stage
    staff = _client(people, "staff")
    profile = people["dealer"].dealer_profile
    searches = ("/admin/marketplace/listing/", "/admin/accounts/user/", "/admin/payments/sale/",
                "/admin/auctions/auction/", "/admin/core/auditlog/")
    problems = [_try(Row(url, "GET", "staff"), "NUL in the search", lambda u=url: staff.get(u, {"q": NUL}),
                     strict=True) for url in searches]
    change = f"/admin/accounts/dealerprofile/{profile.pk}/change/"
    form = {"user": people["dealer"].pk, "company_name": profile.company_name,
            "trade_licence_number": profile.trade_licence_number, "address": profile.address,
            "phone": profile.phone, "status": profile.status}
    sale = Sale.objects.get(pk=ids["handed_over_sale_id"])
    dispute = payment_services.dispute_open(findings=dispute_findings(),
                                            sale=sale, dealer=sale.buyer, reason="The gearbox slips")
    actions = {  # admin actions with a form of their own: an amount typed by staff, as on a bank statement
        "/admin/payments/sale/": {"action": "confirm_bank_transfer", "_selected_action": [ids["sale_id"]],
                                  "apply": "1", "bank_reference": "BANK-1", "amount": "12399.00"},
        "/admin/payments/dispute/": {"action": "resolve", "_selected_action": [dispute.pk], "apply": "1",
                                     "outcome": "partial", "resolution": "Half the repair", "amount": "100.00"},
    }
    for name, (_, as_text) in {**BAD_NUMBERS, "1e999999999 as an amount": (None, "1e999999999")}.items():
        problems.append(_try(Row(change, "POST", "staff"), f"buying limit {name}", lambda t=as_text: staff.post(
            change, {**form, "buying_limit_minor": t}, format="multipart")))
        for url, fields in actions.items():
            problems.append(_try(Row(url, "POST", "staff"), f"{fields['action']} with the amount {name}",
                                 lambda u=url, f=fields, t=as_text: staff.post(u, {**f, "amount": t},
                                                                              format="multipart")))
    problems.append(_try(Row("/admin/payments/sale/", "POST", "staff"), "an amount that is not the one due",
                         lambda: staff.post("/admin/payments/sale/", {**actions["/admin/payments/sale/"],
                                                                      "amount": "1.00"}, format="multipart")))
    problems.append(_try(Row("/admin/payments/sale/", "POST", "staff"), "a bank reference of 200 characters",
                         lambda: staff.post("/admin/payments/sale/", {**actions["/admin/payments/sale/"],
                                                                      "bank_reference": "B" * 200},
                                            format="multipart")))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_the_card_webhook_refuses_bad_input_without_a_500(stage, client):
    people, ids, _ = stage
    url = reverse("api:payments-webhook-card")
    event: dict[str, Any] = {"id": "evt_1", "type": "payment.succeeded",
             "data": {"reference": ids["reference"], "amount_minor": 1, "currency": "EUR", "charge_id": "ch_1"}}

    def signed(body: bytes, **extra):
        return lambda: client.generic("POST", url, body, content_type="application/json",
                                      **{f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": card_sign(body)},
                                      **extra)

    def with_signature(value: str):
        body = json.dumps(event).encode()
        return lambda: client.generic("POST", url, body, content_type="application/json",
                                      **{f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": value})

    good = json.dumps(event).encode()
    digest = card_sign(good).split("v1=")[1]
    now = int(time.time())
    cases = {
        "a signature header with non-ASCII characters": with_signature(f"t={now},v1=ä{digest[1:]}"),
        "a signature with non-ASCII digits in the time": with_signature(f"t=١٢٣,v1={digest}"),
        "a signature time of 5000 digits": with_signature(f"t={'9' * 5000},v1={digest}"),
        "a signature time of 10^30": with_signature(f"t={10**30},v1={digest}"),
        "a NUL in the signature header": with_signature(f"t={now},v1=\x00"),
        **{f"a signed body: {name}": signed(raw.encode()) for name, raw in DEEP_BODIES.items()},
        "a signed body with a NUL in the reference": signed(json.dumps(
            {**event, "data": {**event["data"], "reference": NUL}}).encode()),
        "a signed body with an amount of 10^30": signed(json.dumps(
            {**event, "data": {**event["data"], "amount_minor": 10**30}}).encode()),
        "a signed body with an amount of 1e400": signed(json.dumps(event).replace('"amount_minor": 1',
                                                                                  '"amount_minor": 1e400').encode()),
        "a signed body that is not UTF-8": signed(b'{"id": "\xff\xfe"}'),
    }
    row = Row("api:payments-webhook-card", "POST", "anonymous")
    problems = [_try(row, what, send) for what, send in cases.items()]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_a_bid_with_a_nul_or_non_ascii_idempotency_key_is_refused(stage):
    people, ids, _ = stage
    client = _client(people, "bidder")
    row = Row("api:auction-bids", "POST", "bidder")
    url = reverse("api:auction-bids", args=[ids["auction_id"]])
    problems = [_try(row, f"Idempotency-Key {key!r}", lambda k=key: client.post(
        url, {"amount_minor": 20_000_00}, format="json", HTTP_IDEMPOTENCY_KEY=k)) for key in ("k\x00", "ключ-1")]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_fingerprint_sees_a_write():
    """The check the tests above rely on: changing one row changes the fingerprint."""
    from tests.accounts.factories import SellerFactory

    before = database_fingerprint()
    user = SellerFactory()
    middle = database_fingerprint()
    user.full_name = "Someone Else"
    user.save(update_fields=["full_name"])
    after = database_fingerprint()
    assert before["accounts_user"] != middle["accounts_user"] != after["accounts_user"]
    assert hashlib.sha256(repr(before).encode()).hexdigest() != hashlib.sha256(repr(after).encode()).hexdigest()



# Rows whose request, as it stands, is refused by a business rule (so only the refusals above can be checked on
# them, not what happens after): the reason for each.
REFUSED_AS_THEY_STAND = {
    ("api:auction-decision", "POST"): "the auction is live: no decision is pending",
    ("api:inspection-publish", "POST"): "the report in progress is incomplete",
    ("inspections:publish", "POST"): "the report in progress is incomplete",
    ("accounts:password_reset_confirm", "POST"): "the world's reset link is not a real one",
    ("auctions:decision", "POST"): "the auction is live: no decision is pending",
    ("api:auction-record", "GET"): "the auction is live: its record comes after the close",
    ("auctions:record", "GET"): "the auction is live: its record comes after the close",
    ("api:transparency-inclusion", "GET"): "no tree head is signed in the world (heads are signed on commit)",
    ("auctions:counter_offer", "POST"): "the auction is live: no decision is pending, so no counter-offer",
    ("auctions:counter_answer", "POST"): "the world's auction has no counter-offer",
    ("marketplace:relist", "POST"): "the world's car is a draft, not a car that did not sell",
    ("payments:buy_now_answer", "POST"): "the world has no buy-now offer",
    ("payments:buy_now_buy", "POST"): "the world has no buy-now offer",
    ("inspections:claim", "POST"): "the world's inspection is published, not open to claim",
    ("inspections:damage_remove", "POST"): "no damage entry of that id",
    ("inspections:photo_remove", "POST"): "no photo of that id",
    ("inspections:submit", "POST"): "the report in progress is incomplete",
    ("payments:handover", "POST"): "the world's sale is not paid yet",
    ("api:sale-collection-check", "GET"): "no collection check is recorded in the world (404)",
    ("api:sale-adjustment", "GET"): "no adjustment is requested in the world (404)",
    ("api:sale-adjustment", "POST"): "the world's paid sale has no collection check to ground one",
    ("api:sale-adjustment-decision", "POST"): "no adjustment is requested in the world (404)",
    ("payments:adjustment", "POST"): "the world's paid sale has no collection check to ground one",
    ("payments:adjustment-decide", "POST"): "no adjustment is requested in the world",
    ("payments:deposit-withdraw", "POST"): "the world's dealer has purchases pending (and no deposit)",
    ("api:deposit-withdrawals", "POST"): "the world's dealer has purchases pending (and no deposit)",
    ("api:seller-decision", "POST"): "the world's seller has already answered (they consented to the offer)",
    ("payments:decision", "POST"): "the world's seller has already answered (they consented to the offer)",
    ("api:sale-cancel", "POST"): "the world's buyers may all still buy (the seller cancels only a suspended one's)",
    ("payments:cancel", "POST"): "the world's buyers may all still buy (the seller cancels only a suspended one's)",
    ("healthz", "GET"): "no Celery worker runs here: a 503 that names it (tests/core/test_healthz.py)",
    ("privacy:close", "POST"): "the world's seller has sales not settled: a 409 with the reasons (closing for real: "
                               "tests/privacy/test_close.py)",
    ("accounts:two_factor_setup", "POST"): "a code from the app cannot be known when the table is written",
    ("accounts:verify_email", "GET"): "the world's link is not a real one",
}


def test_the_tables_requests_are_accepted_as_they_stand(stage):
    """So that breaking one field of them tests that field: each row, sent as it stands, gets past validation."""
    people, ids, report_listing = stage
    patterns = _patterns()
    refused = []
    for row in table(ids, report_listing):
        if (row.route, row.method) in REFUSED_AS_THEY_STAND:
            continue
        with transaction.atomic():
            response = _send(_client(people, row.role), row, _url(row, ids, report_listing, patterns[row.route]),
                             query=row.query)
            if response.status_code >= 400 or (not row.is_api and _page_refused(response)):
                refused.append(f"{row}: {response.status_code} {response.content[:200]!r}")
            transaction.set_rollback(True)
    assert not refused, "\n".join(refused)
