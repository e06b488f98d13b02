"""Promise 6: money is always shown to people as money.

A busy world is built through the real services and pages (a live auction with a proxy and refused bids, a car
sold and paid out, one awaiting the seller's decision, one overdue and offered to the runner-up, one refunded in
part after a dispute, a second payment sent back, a buying limit changed in admin). Then everything a person reads
is walked: every page of the seller, the dealers and staff (including every Django admin changelist and change
page), the API as each of them sees it and the API's refusals, flash messages, in-app notifications, emails and the
ledger check. No amount may appear as bare minor units anywhere, except as the value of an API field named
`*_minor`.
"""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.management import call_command
from django.db.models import BigIntegerField, IntegerField
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.models import DealerProfile
from auctions import services as auction_services
from auctions.models import Auction
from auctions.selectors import auction_minimum_next_bid
from core.clock import db_now
from core.models import Notification
from payments import services as payment_services
from payments.ledger import account_balance
from payments.models import Dispute, LedgerAccount, Sale
from tests.accounts.factories import DealerFactory, SellerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction
from tests.marketplace.factories import ListingFactory
from tests.payments.factories import SaleMaker, dispute_findings, hand_over, pay_by_bank, pay_by_card, set_sale_times

pytestmark = pytest.mark.django_db

# A bare integer, signed or not: not part of a word, a reference, a date or time, or a formatted amount
# (€12,500.00 has no bare 1250000 in it; "GVL-000123" and "2026-11-30" are no amounts either).
BARE_INTEGER = re.compile(r"(?<![\w.,/#:+\-])[-+]?(\d+)(?![\w]|[.,]\d)")


@pytest.fixture(autouse=True)
def _quiet_mail_and_eager_tasks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


# --- reading what a person reads -----------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text of a page as a person meets it: text nodes outside scripts and styles, plus the attributes that
    are shown (the value of a visible input, titles, labels, placeholders)."""

    SHOWN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self.skip += 1
        if tag == "input" and (attrs.get("type") or "text").lower() not in ("hidden", "checkbox", "radio", "submit"):
            self.parts.append(attrs.get("value") or "")
        self.parts += [attrs[name] or "" for name in self.SHOWN if name in attrs]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(part for part in parser.parts if part.strip())


def json_texts(node, key: str = "") -> list[str]:
    """Every string in an API answer, and every integer outside a `*_minor` field (as text)."""
    if isinstance(node, dict):
        return [text for k, v in node.items() for text in json_texts(v, k)]
    if isinstance(node, list):
        return [text for v in node for text in json_texts(v, key)]
    if isinstance(node, str):
        return [node]
    if isinstance(node, int) and not isinstance(node, bool) and not key.endswith("_minor"):
        return [f"{key}: {node}"]
    return []


class Reader:
    """Collects (where, text) of everything read, and finds amounts in minor units in it."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    def response(self, where: str, response) -> None:
        content_type = response.get("Content-Type", "")
        body = response.content.decode()
        if "json" in content_type:
            self.seen.append((where, "\n".join(json_texts(json.loads(body)))))
        elif content_type.startswith("text/html"):
            self.seen.append((where, visible_text(body)))
        else:
            self.seen.append((where, body))

    def get(self, client, where: str, path: str, **params) -> None:
        response = client.get(path, params, HTTP_ACCEPT="application/json" if path.startswith("/api/") else "*/*")
        assert response.status_code == 200, f"{where} {path}: {response.status_code}"
        self.response(where, response)

    def text(self, where: str, text: str) -> None:
        self.seen.append((where, text))

    def minor_units_shown(self, amounts: set[int]) -> list[str]:
        found = []
        for where, text in self.seen:
            for match in BARE_INTEGER.finditer(text):
                if int(match.group(1)) in amounts:
                    start = max(0, match.start() - 60)
                    found.append(f"{where}: …{text[start:match.end() + 20]!r}…")
        return found


def amounts_in_the_world() -> set[int]:
    """Every amount the database holds in minor units (and every ledger balance), big enough to be unmistakable."""
    amounts: set[int] = set()
    for model in [m for m in admin.site._registry] + [Auction, DealerProfile]:
        names = [f.name for f in model._meta.concrete_fields
                 if f.name.endswith("_minor") and isinstance(f, (IntegerField, BigIntegerField))]
        for row in model._default_manager.values_list(*names) if names else []:
            amounts.update(abs(value) for value in row if value is not None)
    for account in LedgerAccount.objects.all():
        amounts.add(abs(account_balance(account)))
    for auction in Auction.objects.filter(status=Auction.Status.LIVE):  # what a refusal names: the next bid
        amounts.add(auction_minimum_next_bid(auction))
    return {amount for amount in amounts if amount >= 1_000}


# --- the busy world ------------------------------------------------------------------------------------------------


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_post(reader: Reader, client, where: str, path: str, data: dict, status: int):
    response = client.post(path, data, content_type="application/json", HTTP_ACCEPT="application/json")
    assert response.status_code == status, f"{where}: {response.status_code} {response.content[:300]}"
    reader.response(where, response)
    return response


def build_busy_world(reader: Reader, capture) -> dict:
    staff, seller = StaffFactory(), SellerFactory(full_name="Sina Seller")
    d1, d2, d3 = (DealerFactory(verified=True) for _ in range(3))
    small = DealerFactory(verified=True)
    make_sale = SaleMaker(capture)
    ListingFactory(seller=seller, reserve_minor=13_370_00, asking_price_minor=14_440_00)  # a draft

    # A live auction: a proxy maximum, a direct bid answered by it, and refused bids (API and page).
    live = make_auction(seller=seller, starting_price_minor=10_100_00, reserve_minor=16_650_00)
    with capture(execute=True):
        auction_services.bid_place(auction_id=live.pk, dealer=d1, max_amount_minor=15_370_00)
        auction_services.bid_place(auction_id=live.pk, dealer=d2, amount_minor=12_300_00)
    bids = reverse("api:auction-bids", args=[live.pk])
    api_post(reader, logged_in(d3), "API: a bid below the minimum", bids, {"amount_minor": 12_310_00}, 400)
    api_post(reader, logged_in(d1), "API: a maximum not above one's own", bids, {"max_amount_minor": 14_990_00}, 400)
    page = logged_in(d3).post(reverse("auctions:bid", args=[live.pk]), {"amount_minor": "1231000"}, follow=True)
    reader.response("page: a bid below the minimum (flash)", page)
    page = logged_in(d3).post(reverse("auctions:bid", args=[live.pk]), {"max_amount": "123.10"}, follow=True)
    reader.response("page: a maximum below the minimum (flash)", page)

    # A buying limit changed by staff in admin, then hit through the API.
    change = reverse("admin:accounts_dealerprofile_change", args=[small.dealer_profile.pk])
    form = logged_in(staff).get(change).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["buying_limit_minor"] = "13,130.00"
    response = logged_in(staff).post(change, data, follow=True)
    assert response.status_code == 200
    small.dealer_profile.refresh_from_db()
    assert small.dealer_profile.buying_limit_minor == 13_130_00
    api_post(reader, logged_in(small), "API: over the buying limit", bids, {"max_amount_minor": 13_500_00}, 409)

    # Sold, paid, handed over and paid out; then a second payment that goes straight back.
    paid_out = make_sale(hammer_minor=17_700_00, buyer=d1, others=[(d2, 17_100_00)], reserve_minor=16_000_00,
                         seller=seller)
    pay_by_card(paid_out, capture=capture)
    hand_over(paid_out, capture)
    with capture(execute=True):
        pay_by_bank(paid_out, staff=staff, bank_reference_text="BANK-SECOND")

    # Closed below the reserve: the seller decides.
    awaiting = make_auction(seller=seller, starting_price_minor=11_100_00, reserve_minor=19_990_00)
    auction_services.bid_place(auction_id=awaiting.pk, dealer=d3, amount_minor=11_100_00)
    move_end(awaiting, seconds_from_now=-1)
    with capture(execute=True):
        auction_services.auction_close(auction_id=awaiting.pk)

    # Overdue: staff cancel and the runner-up is offered the car at their last bid.
    overdue = make_sale(hammer_minor=18_800_00, buyer=d2, others=[(d3, 18_100_00)], reserve_minor=18_000_00,
                        seller=seller)
    set_sale_times(overdue, payment_deadline=db_now() - timedelta(minutes=1))
    with capture(execute=True):
        payment_services.sales_mark_overdue()
    sales_admin = reverse("admin:payments_sale_changelist")
    with capture(execute=True):
        response = logged_in(staff).post(sales_admin, {
            "action": "cancel_and_offer_second_chance", ACTION_CHECKBOX_NAME: [overdue.pk], "apply": "1",
            "reason": "No payment."}, follow=True)
    reader.response("admin: cancel and offer (flash)", response)

    # Awaiting payment; staff record a transfer of the wrong amount.
    unpaid = make_sale(hammer_minor=16_600_00, buyer=d3, reserve_minor=16_000_00, seller=seller)
    response = logged_in(staff).post(sales_admin, {
        "action": "confirm_bank_transfer", ACTION_CHECKBOX_NAME: [unpaid.pk], "apply": "1", "amount": "16,601.00",
        "bank_reference": "BANK-SHORT"}, follow=True)
    reader.response("admin: a transfer of the wrong amount (flash)", response)

    # Refunded in part after a dispute (after the payout); staff first try a refund that is too big.
    disputed = make_sale(hammer_minor=14_900_00, buyer=d3, others=[(d1, 14_100_00)], reserve_minor=14_000_00,
                         seller=seller)
    pay_by_card(disputed, capture=capture)
    hand_over(disputed, capture)
    with capture(execute=True):
        payment_services.dispute_open(findings=dispute_findings(),
                                      sale=disputed, dealer=d3, reason="The gearbox grinds in third gear.")
    dispute = Dispute.objects.get(sale=disputed)
    disputes_admin = reverse("admin:payments_dispute_changelist")
    for amount in ("99,999.00", "777.77"):
        with capture(execute=True):
            response = logged_in(staff).post(disputes_admin, {
                "action": "resolve", ACTION_CHECKBOX_NAME: [dispute.pk], "apply": "1", "outcome": "partial",
                "amount": amount, "cause": "seller_misrepresented", "cause_reason": "The seller hid the gearbox fault.",
                "resolution": "Gearbox repair."}, follow=True)
        reader.response(f"admin: partial refund of {amount} (flash)", response)
    assert Sale.objects.get(pk=disputed.pk).refunded_minor == 777_77

    return {"staff": staff, "seller": seller, "dealers": [d1, d2, d3, small], "live": live, "awaiting": awaiting}


def walk(reader: Reader, world: dict) -> None:
    seller, staff = world["seller"], world["staff"]
    for path in ("/", reverse("dealers")):
        reader.get(Client(), f"public page {path}", path)
    client = logged_in(seller)
    for path in (reverse("accounts:dashboard"), reverse("marketplace:list"), reverse("payments:list")):
        reader.get(client, f"seller page {path}", path)
    for listing in seller.listings.all():
        reader.get(client, f"seller: listing {listing.pk}", reverse("marketplace:detail", args=[listing.pk]))
        for auction in listing.auctions.all():
            reader.get(client, f"seller: auction {auction.pk}", reverse("auctions:detail", args=[auction.pk]))
            reader.get(client, f"seller API: auction {auction.pk}", reverse("api:auction-detail", args=[auction.pk]))
            reader.get(client, f"seller API: bids {auction.pk}", reverse("api:auction-bids", args=[auction.pk]))
    for sale in Sale.objects.filter(seller=seller):
        reader.get(client, f"seller: sale {sale.pk}", reverse("payments:detail", args=[sale.pk]))
    for name in ("api:listing-list", "api:sale-list", "api:me"):
        reader.get(client, f"seller API {name}", reverse(name))

    for dealer in world["dealers"]:
        client = logged_in(dealer)
        for path in (reverse("accounts:dashboard"), reverse("auctions:dashboard"), reverse("payments:list")):
            reader.get(client, f"dealer page {path}", path)
        for tab in ("my_bids", "won"):
            reader.get(client, f"dealer dashboard {tab}", reverse("auctions:dashboard"), tab=tab)
        for auction in Auction.objects.exclude(status=Auction.Status.CANCELLED):
            reader.get(client, f"dealer: auction {auction.pk}", reverse("auctions:detail", args=[auction.pk]))
            reader.get(client, f"dealer API: auction {auction.pk}", reverse("api:auction-detail", args=[auction.pk]))
        for sale in Sale.objects.filter(buyer=dealer):
            reader.get(client, f"dealer: sale {sale.pk}", reverse("payments:detail", args=[sale.pk]))
            reader.get(client, f"dealer: invoice {sale.pk}", reverse("payments:invoice", args=[sale.pk]))
        for name in ("api:auction-list", "api:sale-list", "api:second-chance-list", "api:me"):
            reader.get(client, f"dealer API {name}", reverse(name))

    client = logged_in(staff)
    reader.get(client, "admin index", reverse("admin:index"))
    for model in admin.site._registry:
        opts = model._meta
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        reader.get(client, f"admin changelist {opts.label}", changelist)
        for obj in admin.site._registry[model].get_queryset(_request_for(staff))[:6]:
            reader.get(client, f"admin change {opts.label} {obj.pk}",
                       reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    for sale in Sale.objects.all():
        reader.get(client, f"staff: sale {sale.pk}", reverse("payments:detail", args=[sale.pk]))

    for row in Notification.objects.all():
        reader.text(f"notification {row.kind} to {row.user.email}", f"{row.title}\n{row.body}")
    for message in mail.outbox:
        reader.text(f"email {message.subject!r} to {message.to}", f"{message.subject}\n{message.body}")
    out = StringIO()
    try:
        call_command("ledger_check", stdout=out, stderr=out)
    except SystemExit:
        pass
    reader.text("ledger_check", out.getvalue())


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# --- the promise ---------------------------------------------------------------------------------------------------


def test_no_page_api_answer_message_notification_email_or_admin_screen_shows_minor_units(
        django_capture_on_commit_callbacks):
    reader = Reader()
    world = build_busy_world(reader, django_capture_on_commit_callbacks)
    walk(reader, world)

    amounts = amounts_in_the_world()
    assert {15_370_00, 17_700_00, 777_77, 13_130_00, 12_500_00} <= amounts
    assert len(reader.seen) > 150
    shown = reader.minor_units_shown(amounts)
    assert shown == [], f"{len(shown)} amounts shown as minor units:\n" + "\n".join(shown[:80])


def test_the_refusals_name_the_amounts_as_money(django_capture_on_commit_callbacks):
    """The messages the issue quotes, word for word as a dealer now reads them."""
    reader = Reader()
    build_busy_world(reader, django_capture_on_commit_callbacks)
    said = dict(reader.seen)
    assert "The lowest bid now is €12,500." in said["API: a bid below the minimum"]
    assert "Bid at least €12,500." in said["API: a bid below the minimum"]
    assert "above your current maximum of €15,370." in said["API: a maximum not above one's own"]
    assert "Your buying limit is €13,130." in said["API: over the buying limit"]
    assert "The lowest bid now is €12,500." in said["page: a bid below the minimum (flash)"]
    assert "Received €16,601.00, due €16,999.00." in said["admin: a transfer of the wrong amount (flash)"]


def test_an_admin_amount_is_typed_and_shown_as_money_and_its_audit_row_too():
    staff, dealer = StaffFactory(), DealerFactory(verified=True)
    change = reverse("admin:accounts_dealerprofile_change", args=[dealer.dealer_profile.pk])
    client = logged_in(staff)
    page = client.get(change)
    field = page.context["adminform"].form["buying_limit_minor"]
    assert field.value() in ("50,000.00", "50000.00") and "(EUR)" in str(field.label)
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    for typed, error in (("12.345", "more than 2 decimal places"), ("lots", "An amount like"), ("-5", "negative")):
        refused = client.post(change, {**data, "buying_limit_minor": typed})
        assert error in " ".join(refused.context["adminform"].form.errors["buying_limit_minor"])
    client.post(change, {**data, "buying_limit_minor": "75000"})
    dealer.dealer_profile.refresh_from_db()
    assert dealer.dealer_profile.buying_limit_minor == 75_000_00

    changelist = visible_text(client.get(reverse("admin:accounts_dealerprofile_changelist")).content.decode())
    assert "€75,000.00" in changelist and "7500000" not in changelist
    audit = visible_text(client.get(reverse("admin:core_auditlog_changelist")).content.decode())
    assert "€50,000.00" in audit and "€75,000.00" in audit and "7500000" not in audit


def test_amounts_are_shown_in_the_sites_currency_with_its_own_minor_digits(settings, client_for):
    settings.GAVEL_CURRENCY = "GBP"
    auction = make_auction(starting_price_minor=10_000_00)
    refused = client_for(DealerFactory(verified=True)).post(
        reverse("api:auction-bids", args=[auction.pk]), {"amount_minor": 9_999_99}, format="json")
    assert refused.json()["detail"] == "The lowest bid now is £10,000."
    settings.GAVEL_CURRENCY = "JPY"  # no minor units: 10,000 yen are 10000 minor units
    yen = make_auction(starting_price_minor=10_000)
    refused = client_for(DealerFactory(verified=True)).post(
        reverse("api:auction-bids", args=[yen.pk]), {"amount_minor": 9_999}, format="json")
    assert refused.json()["detail"] == "The lowest bid now is JP¥10,000."
