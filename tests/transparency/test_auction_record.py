"""The auction's verifiable record end to end: bids through the API and the page, the close service, the seller and
a bidder download the record, and gavel-verify (run as the stand-alone program) checks it."""

import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from auctions import services as auction_services
from auctions.models import Auction
from core.clock import db_now
from core.models import Notification
from payments.services.eligibility import dealer_suspend_and_withdraw
from payments.services.sales import sale_create_for_auction
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from transparency import canonical
from transparency.keys import log_key
from transparency.models import LogEntry
from transparency.signing import verify_receipt

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_auctions(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GAVEL_SOFT_CLOSE_SECONDS = 2


def _ending_soon(seconds: float, **fields) -> Auction:
    """A live auction (reserve €12,000, from €10,000) that ends `seconds` from now."""
    return make_auction(starts_at=timezone.now() - timedelta(minutes=20) + timedelta(seconds=seconds),
                        duration_minutes=20, **fields)


def _close_when_due(auction: Auction) -> Auction:
    while True:
        auction.refresh_from_db()
        if db_now() >= auction.ends_at:
            break
        time.sleep(max(0.05, (auction.ends_at - db_now()).total_seconds()))
    assert auction_services.auction_close(auction_id=auction.pk).changed
    auction.refresh_from_db()
    return auction


def gavel_verify(tmp_path, record: bytes, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / f"record-{time.monotonic_ns()}.json"
    path.write_bytes(record)
    return subprocess.run([sys.executable, "-m", "gavel_verify", str(path), "--public-key",
                           log_key().public_json()["public_key"], *extra], cwd=ROOT, capture_output=True, text=True)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_three_dealers_bid_by_api_and_page_and_the_downloaded_record_verifies_until_one_amount_changes(tmp_path):
    auction = _ending_soon(8)
    seller = auction.listing.seller
    a, b, c = (DealerFactory(verified=True) for _ in range(3))
    bids_url = f"/api/v1/auctions/{auction.pk}/bids/"

    first = _api(a).post(bids_url, {"amount_minor": 10_000_00}, format="json")
    assert first.status_code == 201
    [receipt_a] = first.json()["receipts"]
    assert json.loads(receipt_a["entry"])["alias"] == "Dealer 1"
    assert verify_receipt(receipt_a, log_key().public_raw)

    page_b = Client()
    page_b.force_login(b)
    assert page_b.post(f"/auctions/{auction.pk}/bid/", {"max_amount": "13000"}).status_code == 302
    shown = page_b.get(f"/auctions/{auction.pk}/").content.decode()
    assert "Your signed receipt" in shown and "gavel-bid-receipt" in shown
    assert "Your signed receipt" not in page_b.get(f"/auctions/{auction.pk}/").content.decode()  # shown once

    answered = _api(c).post(bids_url, {"amount_minor": 11_000_00}, format="json").json()
    assert [bid["kind"] for bid in answered["placed"]] == ["direct", "auto"]  # Dealer 2's maximum answered
    assert [json.loads(r["entry"])["alias"] for r in answered["receipts"]] == ["Dealer 3"]  # only their own
    assert _api(c).post(bids_url, {"amount_minor": 13_500_00}, format="json").status_code == 201

    auction = _close_when_due(auction)
    assert auction.outcome == Auction.Outcome.SOLD
    kinds = [canonical.parse_entry(body.encode())["kind"] for body in
             LogEntry.objects.filter(auction_id=auction.pk).values_list("body", flat=True)]
    assert kinds[0] == "opened" and kinds[-1] == "closed" and kinds.count("reserve_met") == 1

    seller_page = Client()
    seller_page.force_login(seller)
    detail = seller_page.get(f"/auctions/{auction.pk}/").content.decode()
    assert "server time (UTC)" in detail and "data-record-link" in detail
    for alias, dealer in (("Dealer 1", a), ("Dealer 2", b), ("Dealer 3", c)):  # the seller: company per alias
        assert f"{alias} · <span data-identity>{dealer.dealer_profile.company_name}</span>" in detail
    bidder_view = page_b.get(f"/auctions/{auction.pk}/").content.decode()
    assert "You bid as <strong>Dealer 2</strong>" in bidder_view
    assert a.dealer_profile.company_name not in bidder_view and c.dealer_profile.company_name not in bidder_view
    by_seller = seller_page.get(f"/auctions/{auction.pk}/record.json")
    assert by_seller.status_code == 200 and by_seller["Content-Disposition"].startswith("attachment")
    by_bidder = _api(a).get(f"/api/v1/auctions/{auction.pk}/record/")
    assert by_bidder.status_code == 200

    receipts = tmp_path / "receipts.json"
    receipts.write_text(json.dumps(_api(b).get(f"/api/v1/auctions/{auction.pk}/receipts/").json()))
    for record in (by_seller.content, by_bidder.content):
        result = gavel_verify(tmp_path, record, "--receipt", str(receipts))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "PASSED" in result.stdout and "ok    commitment" in result.stdout

    changed = by_seller.content.replace(b'\\"amount_minor\\":1100000', b'\\"amount_minor\\":1100100', 1)
    assert changed != by_seller.content
    failed = gavel_verify(tmp_path, changed)
    assert failed.returncode == 1 and "FAILED" in failed.stdout


def test_only_the_seller_and_the_bidders_get_the_record_and_only_after_the_close(tmp_path):
    auction = _ending_soon(3)
    bidder, stranger = DealerFactory(verified=True), DealerFactory(verified=True)
    assert _api(bidder).post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount_minor": 10_000_00},
                             format="json").status_code == 201
    url = f"/api/v1/auctions/{auction.pk}/record/"

    assert _api(bidder).get(url).status_code == 409  # still live
    auction = _close_when_due(auction)
    assert _api(bidder).get(url).status_code == 200
    assert _api(stranger).get(url).status_code == 403
    assert _api(stranger).get(f"/api/v1/auctions/{auction.pk}/receipts/").json() == []
    assert _api(auction.listing.seller).get(url).status_code == 200
    assert APIClient().get(url).status_code in (401, 403)


def test_a_declined_below_reserve_auction_logs_the_seller_decision_and_verifies(tmp_path):
    auction = _ending_soon(3)
    dealer = DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=10_500_00)
    auction = _close_when_due(auction)
    assert auction.outcome == Auction.Outcome.AWAITING_SELLER
    auction_services.auction_decide(auction_id=auction.pk, seller=auction.listing.seller, accept=False)

    record = auction_services.auction_record_export(auction_id=auction.pk, user=auction.listing.seller)
    entries = [json.loads(e["entry"]) for e in json.loads(record)["entries"]]
    assert [e["kind"] for e in entries] == ["opened", "bid", "closed", "seller_decision"]
    assert entries[-1]["outcome"] == "unsold" and entries[-1]["decided_by"] == "seller"
    assert json.loads(record)["opening"]["reserve_minor"] == 12_000_00
    result = gavel_verify(tmp_path, record)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_auction_without_bids_verifies_and_its_commitment_hides_the_reserve_until_the_close(tmp_path):
    auction = _ending_soon(2)
    opened = canonical.parse_entry(LogEntry.objects.get(auction_id=auction.pk, kind="opened").body.encode())
    assert "1200000" not in json.dumps(opened) and len(opened["commitment"]) == 64
    auction = _close_when_due(auction)
    assert auction.outcome == Auction.Outcome.NO_BIDS
    result = gavel_verify(tmp_path, auction_services.auction_record_export(auction_id=auction.pk,
                                                                           user=auction.listing.seller))
    assert result.returncode == 0, result.stdout + result.stderr


def _kinds(auction: Auction) -> list[str]:
    return list(LogEntry.objects.filter(auction_id=auction.pk).order_by("index").values_list("kind", flat=True))


def test_a_withdrawn_bidder_is_logged_with_the_auction_worked_out_again_and_the_record_verifies(tmp_path):
    auction = _ending_soon(8)
    a, b, c = (DealerFactory(verified=True) for _ in range(3))
    bids_url = f"/api/v1/auctions/{auction.pk}/bids/"
    assert _api(a).post(bids_url, {"max_amount_minor": 12_800_00}, format="json").status_code == 201
    answered = _api(b).post(bids_url, {"amount_minor": 12_500_00}, format="json").json()
    assert [bid["kind"] for bid in answered["placed"]] == ["direct", "auto"]  # Dealer 1's maximum: 12,600, met

    suspended = dealer_suspend_and_withdraw(profile=b.dealer_profile, actor=StaffFactory(), reason="Licence revoked")
    [repricing] = suspended.repricings
    assert (repricing.price_before_minor, repricing.price_after_minor) == (12_600_00, 10_000_00)
    withdrawal = canonical.parse_entry(LogEntry.objects.get(auction_id=auction.pk, kind="withdrawal").body.encode())
    assert {k: withdrawal[k] for k in ("alias", "rule", "reason_code", "bid_count", "price_minor", "leader_alias",
                                       "reserve_met")} == {
        "alias": "Dealer 2", "rule": "bidder_may_no_longer_buy", "reason_code": "dealer_suspended", "bid_count": 1,
        "price_minor": 10_000_00, "leader_alias": "Dealer 1", "reserve_met": False}
    # The reserve is reached again and announced again.
    assert _api(c).post(bids_url, {"amount_minor": 12_000_00}, format="json").status_code == 201

    auction = _close_when_due(auction)
    assert (auction.outcome, auction.price_minor, auction.leader_id) == (Auction.Outcome.SOLD, 12_100_00, a.pk)
    assert _kinds(auction)[:7] == ["opened", "bid", "bid", "bid", "reserve_met", "withdrawal", "bid"]
    assert _kinds(auction).count("reserve_met") == 2

    record = _api(a).get(f"/api/v1/auctions/{auction.pk}/record/").content
    result = gavel_verify(tmp_path, record)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    withdrawal: Dealer 2 withdrawn" in result.stdout

    price = b'\\"price_minor\\":%d,\\"reason_code'
    lowered = record.replace(price % 10_000_00, price % 10_100_00, 1)
    assert lowered != record
    failed = gavel_verify(tmp_path, lowered)
    assert failed.returncode == 1 and "FAILED" in failed.stdout


def test_a_sale_voided_before_it_opened_is_logged_and_the_record_verifies(tmp_path):
    auction = _ending_soon(3)
    winner = DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=winner, amount_minor=12_500_00)
    auction = _close_when_due(auction)
    assert auction.outcome == Auction.Outcome.SOLD  # the close's effects (opening the sale) never ran here

    dealer_suspend_and_withdraw(profile=winner.dealer_profile, actor=StaffFactory(), reason="Licence revoked")
    assert sale_create_for_auction(auction=auction) == (None, False)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.UNSOLD
    assert _kinds(auction)[-2:] == ["closed", "sale_void"]
    void = canonical.parse_entry(LogEntry.objects.get(auction_id=auction.pk, kind="sale_void").body.encode())
    assert (void["alias"], void["rule"], void["reason_code"]) == ("Dealer 1", "winner_may_no_longer_buy",
                                                                  "dealer_suspended")

    record = auction_services.auction_record_export(auction_id=auction.pk, user=auction.listing.seller)
    result = gavel_verify(tmp_path, record)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    sale-void: the sale to Dealer 1 voided" in result.stdout
    cut = record.replace(b'\\"kind\\":\\"sale_void\\"', b'\\"kind\\":\\"sale_vaid\\"', 1)
    assert cut != record and gavel_verify(tmp_path, cut).returncode == 1


def test_a_maximum_answering_for_its_dealer_gets_them_a_signed_receipt_and_a_notification(
        django_capture_on_commit_callbacks):
    auction = _ending_soon(60)
    proxy, rival = DealerFactory(verified=True), DealerFactory(verified=True)
    bids_url = f"/api/v1/auctions/{auction.pk}/bids/"
    assert _api(proxy).post(bids_url, {"max_amount_minor": 13_000_00}, format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        answered = _api(rival).post(bids_url, {"amount_minor": 11_000_00}, format="json").json()
    assert [bid["kind"] for bid in answered["placed"]] == ["direct", "auto"]
    assert [json.loads(r["entry"])["alias"] for r in answered["receipts"]] == ["Dealer 2"]  # the rival's own only

    told = Notification.objects.get(user=proxy, kind="proxy_bid_receipt")
    assert told.title.startswith("Your maximum placed a bid of") and told.url == f"/auctions/{auction.pk}/"
    assert not Notification.objects.filter(user=rival, kind="proxy_bid_receipt").exists()
    listed = _api(proxy).get(f"/api/v1/auctions/{auction.pk}/receipts/").json()
    assert [(json.loads(r["entry"])["bid_kind"], json.loads(r["entry"])["amount_minor"]) for r in listed] == [
        ("proxy", 10_000_00), ("auto", 11_100_00)]
    assert all(verify_receipt(receipt, log_key().public_raw) for receipt in listed)
