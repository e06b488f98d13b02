"""Download my data: everything Gavel holds about the person, and nobody else's data, never a secret."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts import apikeys
from accounts import services as account_services
from accounts.models import SessionSighting
from auctions.services.saved_searches import saved_search_create
from core.audit import audit_record
from core.models import AuditLog
from core.notifications import notify
from integrations.models import WebhookEndpoint
from marketplace import services as marketplace_services
from privacy.selectors import personal_data_export
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, upload
from tests.payments.factories import pay_by_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_sale, django_capture_on_commit_callbacks):
    """A dealer who bought a car (paid), with an API key, a webhook, a saved search, a notification and a sighting;
    a rival dealer who bid too; the seller, with a draft car and its photo."""
    buyer = DealerFactory(verified=True, full_name="Bea Buyer", phone="+49 30 111",
                          profile__buying_limit_minor=100_000_00)
    rival = DealerFactory(verified=True, full_name="Rolf Rival", profile__buying_limit_minor=100_000_00)
    sale = make_sale(buyer=buyer, others=((rival, 12_000_00),))
    pay_by_card(sale, capture=django_capture_on_commit_callbacks)
    seller = sale.seller
    draft = ListingFactory(seller=seller)
    marketplace_services.listing_photo_add(listing=draft, actor=seller, upload=upload(jpeg_bytes(800, 600)))
    key, raw_key = apikeys.api_key_create(org=buyer.dealer_profile, actor=buyer, name="Stock sync", scopes=["read"])
    hook = WebhookEndpoint.objects.create(owner=buyer, url="https://hooks.example.test/gavel", events=["auction.won"])
    saved_search_create(dealer=buyer, name="Golfs in Berlin", criteria={"make": "Volkswagen"})
    notify(user=buyer, kind="test", title="Hello Bea", email=False)
    notify(user=rival, kind="test", title="Hello Rolf", email=False)
    account_services.session_seen(user=buyer, ip="203.0.113.7", device="d" * 64)
    account_services.session_seen(user=rival, ip="198.51.100.9", device="e" * 64)
    token = account_services.token_for(user=buyer)
    return {"buyer": buyer, "rival": rival, "seller": seller, "sale": sale, "draft": draft, "raw_key": raw_key,
            "key": key, "hook": hook, "token": token}


def test_the_export_holds_the_persons_data_and_nobody_elses(world):
    buyer, rival, sale = world["buyer"], world["rival"], world["sale"]
    document = personal_data_export(user=buyer)
    text = json.dumps(document)

    assert document["user_id"] == buyer.pk and document["format"] == "gavel-personal-data/1"
    assert document["account"]["profile"]["email"] == buyer.email
    assert document["account"]["profile"]["full_name"] == "Bea Buyer"
    assert document["account"]["dealer_profile"]["company_name"] == buyer.dealer_profile.company_name
    assert [s["ip"] for s in document["account"]["session_sightings"]] == ["203.0.113.7"]
    assert [k["name"] for k in document["account"]["api_keys_created"]] == ["Stock sync"]
    assert document["account"]["api_token"] == {"exists": True}
    bids = document["auctions"]["bids"]
    assert bids and {b["dealer"] for b in bids} == {buyer.pk}
    assert [s["name"] for s in document["auctions"]["saved_searches"]] == ["Golfs in Berlin"]
    [bought] = document["payments"]["sales"]
    assert (bought["id"], bought["you_are"], bought["status"]) == (sale.pk, "buyer", "paid")
    assert [p["sale"] for p in document["payments"]["payments"]] == [sale.pk]
    assert document["payments"]["ledger_lines"], "the buyer's dealer account has entries"
    assert {line["account"] for line in document["payments"]["ledger_lines"]} <= {"dealer", "deposit"}
    assert [d["number"] for d in document["payments"]["documents"]] == list(
        sale.documents.filter(recipient=buyer).values_list("number", flat=True))
    assert [e["url"] for e in document["integrations"]["webhook_endpoints"]] == ["https://hooks.example.test/gavel"]
    titles = [n["title"] for n in document["notifications_and_audit"]["notifications"]]
    assert "Hello Bea" in titles and any(title.startswith("You won") for title in titles)
    assert document["cars"]["listings"] == []

    # Nobody else's: not the rival's bids, name, email, address, notification; not the seller's.
    for other in (rival.email, "Rolf Rival", "198.51.100.9", "Hello Rolf", world["seller"].email,
                  world["seller"].full_name):
        assert other not in text
    # Never a secret.
    for secret in (buyer.password, world["token"], world["raw_key"], world["key"].key_hash, world["hook"].secret):
        assert secret not in text


def test_the_sellers_export_has_their_cars_with_their_photos_addresses(world):
    seller, draft = world["seller"], world["draft"]
    document = personal_data_export(user=seller)
    listings = {car["id"]: car for car in document["cars"]["listings"]}
    assert set(listings) == {draft.pk, world["sale"].listing_id}
    [photo] = listings[draft.pk]["photos"]
    assert set(photo["urls"]) == {"original", "large", "medium", "thumb"}
    assert photo["urls"]["large"] == draft.photos.get().large.url
    assert [s["you_are"] for s in document["payments"]["sales"]] == ["seller"]
    assert document["account"]["profile"]["email"] == seller.email
    assert world["buyer"].email not in json.dumps(document)


def test_audit_entries_by_and_about_the_person_are_in_their_export(world):
    buyer, staff = world["buyer"], StaffFactory()
    audit_record(obj=buyer, action=AuditLog.Action.UPDATE, actor=staff, reason="Phone checked")
    entries = personal_data_export(user=buyer)["notifications_and_audit"]["audit_entries"]
    assert any(e["reason"] == "Phone checked" and not e["by_you"] for e in entries)
    assert any(e["by_you"] for e in entries)  # the API key they made
    assert all(e["object_id"] != world["rival"].pk or e["object_type"] != "accounts.user" for e in entries)


def test_the_page_downloads_and_the_api_answers_the_same_document(world):
    buyer = world["buyer"]
    page = Client()
    page.force_login(buyer)
    overview = page.get("/accounts/data/")
    assert overview.status_code == 200 and "Download my data" in overview.content.decode()
    assert "/accounts/data/" in page.get("/accounts/profile/").content.decode()  # reachable from the profile
    download = page.get("/accounts/data/export.json")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "no-store"
    from_page = json.loads(download.content)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world['token']}")
    answer = api.get("/api/v1/me/data/")
    assert answer.status_code == 200
    from_api = answer.json()
    for document in (from_page, from_api):
        document.pop("generated_at")
    assert from_page == from_api
    assert from_api["account"]["profile"]["email"] == buyer.email


def test_anonymous_callers_get_nobodys_data():
    assert Client().get("/accounts/data/export.json").status_code == 302
    assert APIClient().get("/api/v1/me/data/").status_code == 401
    assert SessionSighting.objects.count() == 0
