"""The payments pages in German and Simplified Chinese, from the outside: the published fees and rules, the sale
page, the printable invoice, the deposit page, and the PDF documents, which are written in their recipient's
language whoever's request or task renders them."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.utils import formats, timezone, translation

from core.money import Money
from payments.models import Document
from payments.services import documents
from tests.payments import conftest as payments_setup
from tests.payments.factories import hand_over, pay_by_card

pytestmark = pytest.mark.django_db

# The payments suite's set-up: sales opened by a real auction close, tasks run in-process, email kept in memory.
_eager_celery = payments_setup._eager_celery
_locmem_email = payments_setup._locmem_email
make_sale = payments_setup.make_sale


@pytest.fixture
def sale(make_sale):
    return make_sale(hammer_minor=12_500_00)


def _speaking(user, language: str) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, url: str, **headers) -> str:
    answer = client.get(url, **headers)
    assert answer.status_code == 200, url
    return html.unescape(answer.content.decode())


def _money(minor: int, language: str) -> str:
    with translation.override(language):
        return Money(minor, "EUR").format()


def _day(value, language: str) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


def test_the_published_fees_and_rules_read_in_german_and_chinese(client):
    german = _page(client, "/rules/fees/", HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="de"' in german
    assert "Gebühren und die Regeln nach dem Zuschlag" in german
    assert "Der beim Zuschlag vereinbarte Preis ist der Preis." in german
    assert "gültig ab 1. Januar 2026" in german  # the schedule's date in German
    assert "Abholfrist = Zeitpunkt des Zahlungseingangs auf dem Treuhandkonto + " in german
    assert "Fees and the rules after the hammer" not in german

    chinese = _page(client, "/rules/fees/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert '<html lang="zh-hans"' in chinese
    assert "费用与成交后的规则" in chinese and "自 2026年1月1日 起生效" in chinese
    assert "成交时商定的价格就是最终价格。" in chinese

    english = _page(client, "/rules/fees/", HTTP_ACCEPT_LANGUAGE="en-gb")
    assert "Fees and the rules after the hammer" in english and "in force from 1 Jan 2026" in english


def test_the_dealer_reads_the_sale_page_and_its_prompts_in_german(sale):
    pay_by_card(sale)
    page = _page(_speaking(sale.buyer, "de"), f"/sales/{sale.pk}/")
    assert '<html lang="de"' in page
    assert "Abholung und Übergabe" in page and "Fälliger Betrag" in page
    assert _money(sale.amount_due_minor, "de") in page and "12.799,00" in page
    assert f"{_day(sale.payment_deadline, 'de')}, " in page  # "4. Dezember 2026, 14:30"
    # What the page's script shows before a form is sent is German too.
    assert 'data-confirm="Bestätigen, dass Fahrzeug, Schlüssel und Dokumente übergeben wurden?"' in page
    assert "Collection and handover" not in page


def test_the_seller_reads_the_sale_page_and_the_list_in_chinese(sale):
    client = _speaking(sale.seller, "zh-hans")
    page = _page(client, f"/sales/{sale.pk}/")
    assert '<html lang="zh-hans"' in page
    assert "卖家所得" in page and "提车与交接" in page and "放款" in page
    assert _money(sale.seller_receives_minor, "zh-hans") in page
    listing = _page(client, "/sales/")
    assert "您的出售" in listing and "您将收到" in listing


def test_the_printable_invoice_is_german_for_a_german_dealer(sale):
    page = _page(_speaking(sale.buyer, "de"), f"/sales/{sale.pk}/invoice/")
    assert '<html lang="de"' in page
    assert "Rechnungsempfänger" in page and "Fälliger Gesamtbetrag" in page
    assert f"Zuschlagspreis in Auktion {sale.auction_id}" in page
    assert f"Fällig am {_day(sale.payment_deadline, 'de')}, " in page
    assert _money(sale.amount_due_minor, "de") in page


def test_the_deposit_page_is_chinese_for_a_chinese_dealer(sale):
    page = _page(_speaking(sale.buyer, "zh-hans"), "/sales/deposit/")
    assert '<html lang="zh-hans"' in page
    assert "您的保证金" in page and "通过银行转账充值" in page and "您的购买限额" in page


def test_each_pdf_is_written_in_its_recipients_language(sale, monkeypatch, django_capture_on_commit_callbacks):
    sale.buyer.language, sale.seller.language = "de", "zh-hans"
    sale.buyer.save(update_fields=["language"])
    sale.seller.save(update_fields=["language"])
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    rendered: dict[str, str] = {}
    real_render = documents.render_to_string

    def render_and_keep(template_name, context=None, *args, **kwargs):
        text = real_render(template_name, context, *args, **kwargs)
        rendered[context["document"].kind] = html.unescape(text)
        return text

    monkeypatch.setattr(documents, "render_to_string", render_and_keep)
    invoice = sale.documents.get(kind=Document.Kind.INVOICE)
    statement = sale.documents.get(kind=Document.Kind.STATEMENT)
    with translation.override("en-gb"):  # an English request or task renders them
        for document in (invoice, statement):
            assert documents.document_pdf_render(document).startswith(b"%PDF-")

    german = rendered[Document.Kind.INVOICE]
    assert '<html lang="de"' in german
    assert "Rechnungsempfänger" in german and "Fälliger Gesamtbetrag" in german
    assert f"Ausgestellt am {_day(invoice.issued_at, 'de')}" in german
    assert "Seite \" counter(page) \" von \" counter(pages)" in german  # the page footer, around the CSS counters
    assert _money(invoice.total_minor, "de") in german and "Bill to" not in german

    chinese = rendered[Document.Kind.STATEMENT]
    assert '<html lang="zh-hans"' in chinese
    assert "已付给您" in chinese and "卖家" in chinese
    assert "第 \" counter(page) \" 页，共 \" counter(pages) \" 页" in chinese
    assert _money(statement.total_minor, "zh-hans") in chinese
