"""Payments in the reader's language, from the outside: the sale page's own words (status, where the car stands,
the progress line) in German and Chinese, API refusals and page messages in the language asked for, and what is
told later — notices, the invoice — in each recipient's own language, with their money and dates."""

import json
import re

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import User
from core.models import Notification
from payments.models import Document
from tests.accounts.factories import DealerFactory, SellerFactory
from tests.payments.factories import SaleMaker, pay_by_card

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _eager_celery():
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def make_sale(django_capture_on_commit_callbacks):
    """A sale opened by a real auction close (tests/payments/factories.py)."""
    return SaleMaker(django_capture_on_commit_callbacks)


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def sale(make_sale):
    return make_sale()


def test_the_sellers_sale_page_speaks_german_and_chinese(browser, sale):
    german = browser(sale.seller).get(f"/sales/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de"' in german
    assert "Zahlung ausstehend" in german  # the sale's status
    assert "Warten auf die Zahlung des Händlers, fällig bis" in german  # where the car stands
    assert "12.500\xa0€" in german and "Rechnung ausgestellt" in german  # German money; the progress line
    chinese = browser(sale.seller).get(f"/sales/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans"' in chinese
    assert "等待付款" in chinese and "等待经销商付款" in chinese and "已开具发票" in chinese
    english = browser(sale.seller).get(f"/sales/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Awaiting payment" in english and "Waiting for the dealer&#x27;s payment, due by" in english


def test_an_api_refusal_comes_back_in_the_language_asked_for(client_for, sale, settings):
    settings.GAVEL_SIMULATED_CARD_ENABLED = False
    api = client_for(sale.buyer)
    german = api.post(f"/api/v1/sales/{sale.pk}/pay/", {"provider": "card"}, HTTP_ACCEPT_LANGUAGE="de")
    assert german.status_code == 400
    assert german.json()["fields"]["provider"] == ["Diese Zahlungsart ist nicht verfügbar."]
    chinese = api.post(f"/api/v1/sales/{sale.pk}/pay/", {"provider": "card"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.json()["fields"]["provider"] == ["该付款方式不可用。"]
    seller = client_for(sale.seller).post(f"/api/v1/sales/{sale.pk}/pay/", {"provider": "bank_transfer"},
                                          HTTP_ACCEPT_LANGUAGE="de")
    assert seller.status_code == 403 and seller.json()["detail"] == "Nur der kaufende Händler bezahlt diese Rechnung."


def test_a_page_message_follows_the_users_own_language(browser, sale):
    User.objects.filter(pk=sale.buyer_id).update(language="de")  # the buyer reads German, whatever the browser says
    page = browser(sale.buyer).post(f"/sales/{sale.pk}/pay/", {"provider": "bank_transfer"}, follow=True,
                                    HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Überweisen Sie den Betrag mit der Referenz" in page and '<html lang="de"' in page


def test_each_party_is_told_of_the_sale_in_their_own_language(make_sale):
    german_dealer = DealerFactory(verified=True, language="de")
    with translation.override("zh-hans"):  # whatever language the request that closed the auction spoke
        sale = make_sale(buyer=german_dealer)
    invoice = Notification.objects.get(user=german_dealer, kind="sale_invoice")
    assert invoice.title == f"Ihre Rechnung für den {sale.listing.display_title}: 12.799,00\xa0€"
    assert invoice.body.startswith("Bitte zahlen Sie bis ") and "per Überweisung oder Karte" in invoice.body
    assert re.search(r"bis \d{1,2}\. \w+ \d{4}, \d{2}:\d{2} ", invoice.body)  # a German date: 4. Dez 2026, 10:30
    opened = Notification.objects.get(user=sale.seller, kind="sale_opened")
    assert opened.title == f"Sale of your {sale.listing.display_title}: waiting for the dealer's payment"
    assert opened.body == "You will receive €12,500.00 once the car is handed over."


def test_a_chinese_seller_hears_of_the_payment_in_chinese_with_a_chinese_date(make_sale,
                                                                              django_capture_on_commit_callbacks):
    seller = SellerFactory(language="zh-hans")
    sale = make_sale(seller=seller)
    with translation.override("de"):
        pay_by_card(sale, capture=django_capture_on_commit_callbacks)
    told = Notification.objects.get(user=seller, kind="sale_paid")
    assert told.title == f"经销商已为您的 {sale.listing.display_title} 付款"
    assert "款项已进入托管。经销商将在" in told.body and re.search(r"\d{1,2}月\d{1,2}日", told.body)
    buyer = Notification.objects.get(user=sale.buyer, kind="sale_paid")
    assert buyer.body.startswith("Your money is held in escrow. Collect the car by ")


def test_the_invoice_is_issued_in_the_dealers_language(make_sale):
    sale = make_sale(buyer=DealerFactory(verified=True, language="de"))
    invoice = Document.objects.get(sale=sale, kind=Document.Kind.INVOICE)
    vehicle, fee = invoice.lines
    assert vehicle["description"].startswith("Fahrzeug: ") and "Zuschlagspreis in Auktion" in vehicle["description"]
    assert vehicle["vat_note"] == "Verkauf durch eine Privatperson: Der Preis enthält keine Mehrwertsteuer."
    assert fee["description"].startswith("Käufergebühr")


def test_a_no_chip_reason_is_recorded_in_english_and_read_in_each_language():
    from payments.selectors import finding_detail
    from tests.nochip.rules import compute, finding

    (decided,) = compute([finding("engine.turbo", "major", photos=1)], {"engine.turbo": "minor"}).findings
    recorded = json.loads(json.dumps(decided.as_dict()))  # as the dispute or collection check stores it
    assert recorded["detail"].startswith("Worse than disclosed: €")
    assert finding_detail(recorded) == recorded["detail"]
    with translation.override("de"):
        assert finding_detail(recorded).startswith("Schlimmer als angegeben: ")
        assert "(leicht, " in finding_detail(recorded) and "\xa0€" in finding_detail(recorded)
    with translation.override("zh-hans"):
        assert finding_detail(recorded).startswith("比披露的更严重：")
    assert finding_detail({"detail": "As recorded before the rules spoke languages."}) == (
        "As recorded before the rules spoke languages.")
