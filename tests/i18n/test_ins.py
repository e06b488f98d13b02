"""Insights, transparency and Gavel's admin templates in German and Simplified Chinese: the methods page from its
translated documents (which carry the English document's numbers, section by section), the records, the price guide
and the market data in the reader's language, and the transparency log's page and API errors."""

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from insights.guidance import price_guidance
from insights.records import dealer_record, inspector_record
from insights.templatetags.insights import in_language
from payments import services
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.insights.examples import (
    DEALER_AS_OF,
    GUIDANCE_AS_OF,
    GUIDANCE_TARGET,
    INSPECTOR_AS_OF,
    dealer_example,
    guidance_example,
    inspector_example,
)
from tests.payments.conftest import _eager_celery, _locmem_email, make_sale  # noqa: F401  (the real sale flow)
from tests.payments.factories import set_sale_times

DOCS = Path(__file__).resolve().parents[2] / "docs"
TRANSLATIONS = {"de": DOCS / "methods.de.md", "zh-hans": DOCS / "methods.zh-hans.md"}

# -- the methods document: the same numbers in every language -------------------------------------------------------

_EN_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DE_MONTHS = ["jan", "feb", "mär", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "dez"]
_EN_DATE = re.compile(r"\b(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|"
                      r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b(?: (\d{4}))?")
_EN_MONTH_YEAR = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                            r"December)\b (\d{4})")
_DE_DATE = re.compile(r"\b(\d{1,2})\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|"
                      r"Dezember|Jan\.|Feb\.|Apr\.|Jun\.|Jul\.|Aug\.|Sep\.|Okt\.|Nov\.|Dez\.)(?: (\d{4}))?")
_DE_MONTH_YEAR = re.compile(r"\b(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|"
                            r"Dezember)\b (\d{4})")
_ZH_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _date(year, month: int, day) -> str:
    return f" date:{year or ''}-{month:02d}-{day or ''} "


def _dates_as_tokens(text: str, language: str) -> str:
    """A date written the language's way ("15 June 2026", "15. Juni 2026", "2026年6月15日") as one token, so the
    month's name or number does not count as a number of its own."""
    if language == "en":
        text = _EN_DATE.sub(lambda m: _date(m[3], _EN_MONTHS.index(m[2][:3].lower()) + 1, m[1]), text)
        return _EN_MONTH_YEAR.sub(lambda m: _date(m[2], _EN_MONTHS.index(m[1][:3].lower()) + 1, None), text)
    if language == "de":
        text = _DE_DATE.sub(lambda m: _date(m[3], _DE_MONTHS.index(m[2][:3].lower()) + 1, m[1]), text)
        return _DE_MONTH_YEAR.sub(lambda m: _date(m[2], _DE_MONTHS.index(m[1][:3].lower()) + 1, None), text)
    return _ZH_DATE.sub(lambda m: _date(m[1], int(m[2]), m[3]), text)


def numbers_by_section(path: Path, language: str) -> list[Counter]:
    """For each section (a heading and what follows it up to the next heading), its numbers and dates."""
    sections: list[Counter] = [Counter()]
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        in_code = in_code != line.startswith("```")
        if line.startswith("#") and not in_code:
            sections.append(Counter())
        line = _dates_as_tokens(line, language)
        sections[-1].update(re.findall(r"date:\S+", line))
        sections[-1].update(_NUMBER.findall(re.sub(r"date:\S+", " ", line)))
    return sections


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_a_translated_methods_document_carries_the_english_numbers_section_by_section(language):
    english = numbers_by_section(DOCS / "methods.md", "en")
    translated = numbers_by_section(TRANSLATIONS[language], language.split("-")[0])
    assert len(translated) == len(english), "the same headings, in the same order"
    for number, (en, tr) in enumerate(zip(english, translated, strict=True)):
        assert set(tr) == set(en), f"section {number}: missing {set(en) - set(tr)}, extra {set(tr) - set(en)}"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_a_translated_methods_document_keeps_the_code_blocks_and_the_worked_example_tables(language):
    def kept(text):
        """The code blocks as they are; the sales of the dealer example (sale, months ago, weight) and every row of
        the price guide's example."""
        blocks = re.findall(r"```\n.*?```", text, re.S)
        sales = [row.split(" | ") for row in text.splitlines() if row.startswith("| S-")]
        guide = [row for row in text.splitlines() if re.match(r"\| \d{4} \| [\d,]+ \|", row)]
        return blocks, [(cells[0], cells[2], cells[3]) for cells in sales], guide
    assert kept(TRANSLATIONS[language].read_text(encoding="utf-8")) == kept((DOCS / "methods.md").read_text())


# -- pages -----------------------------------------------------------------------------------------------------------

def _get(path, language, client=None):
    page = (client or Client()).get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "html_lang", "heading", "formula"), [
    ("de", "de", "Wie Gavel Bilanzen, Preisorientierung und Marktdaten berechnet", "Punktzahl = 6,100 / 77"),
    ("zh-hans", "zh-hans", "Gavel 如何计算记录、价格参考和市场数据", "分数 = 6,100 / 77"),
])
def test_the_methods_page_is_the_readers_translation_with_the_english_anchors(language, html_lang, heading, formula):
    text = _get(reverse("insights:methods"), language)
    assert f'<html lang="{html_lang}"' in text and heading in text and formula in text
    assert 'id="dealer-record"' in text and 'id="price-guidance"' in text and 'id="open-market-data"' in text
    assert 'href="#inspector-record"' in text


@pytest.mark.django_db
def test_the_methods_page_falls_back_to_english():
    text = _get(reverse("insights:methods"), "fr")
    assert "How Gavel computes records" in text and "Score = 6,100 / 77" in text


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "sentences"), [
    ("de", ["Offene Marktdaten", "Noch nicht genug Verkäufe", "Zeilen erscheinen, sobald eine Gruppe 5 Verkäufe"]),
    ("zh-hans", ["公开市场数据", "成交尚不足", "分组达到 5 笔成交后才会出现相应的行"]),
])
def test_the_market_page_speaks_the_readers_language(language, sentences):
    text = _get(reverse("insights:market"), language)
    assert f'<html lang="{language}"' in text
    for sentence in sentences:
        assert sentence in text


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "sentences"), [
    ("de", ["Transparenzprotokoll", "Das Protokoll enthält <strong>0</strong> Einträge.",
            "Noch ist kein Kopf signiert.", "Konsistenzbeweis"]),
    ("zh-hans", ["透明日志", "日志共有 <strong>0</strong> 条记录。", "尚无已签名的树头。", "一致性证明"]),
])
def test_the_transparency_log_page_speaks_the_readers_language(language, sentences):
    text = _get(reverse("transparency:log"), language)
    for sentence in sentences:
        assert sentence in text


@pytest.mark.django_db
def test_a_proof_asked_for_beyond_the_signed_heads_is_refused_in_german_on_the_page_and_in_the_api():
    text = _get(reverse("transparency:log") + "?first=5&second=9", "de")
    assert "Größer als der neueste signierte Baumkopf (0)." in text

    api = APIClient()
    answer = api.get("/api/v1/transparency/consistency/", {"first": 5, "second": 9}, HTTP_ACCEPT_LANGUAGE="de")
    assert answer.status_code == 400
    assert answer.json()["fields"]["first"] == ["Größer als der neueste signierte Baumkopf (0)."]
    not_ready = api.get("/api/v1/transparency/inclusion/", {"index": 0}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert not_ready.status_code == 409
    assert not_ready.json() | {"detail": "日志中尚无包含此项的已签名树头；请稍后再试。"} == not_ready.json()


@pytest.mark.django_db
def test_the_market_api_refuses_an_unknown_format_in_the_readers_language():
    answer = APIClient().get("/api/v1/market/", {"format": "xml"}, HTTP_ACCEPT_LANGUAGE="de")
    assert answer.status_code == 400 and answer.json()["fields"]["format"] == ["Wählen Sie json oder csv."]


@pytest.mark.django_db
def test_a_german_dealer_reads_their_record_and_what_counted_against_them_in_german(make_sale,  # noqa: F811
                                                                                  django_capture_on_commit_callbacks):
    dealer = DealerFactory(verified=True, language="de")
    sale = make_sale(buyer=dealer)
    set_sale_times(sale, payment_deadline=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.sales_mark_overdue()
        services.sale_cancel_and_offer_second_chance(sale=sale, actor=StaffFactory(), reason="Not paid")
    client = Client()
    client.force_login(dealer)
    text = _get(reverse("auctions:dashboard"), "en-gb", client)  # the user's own language wins over the browser's
    assert '<html lang="de"' in text
    assert "Neuer Händler — weniger als 10 Verkäufe" in text
    assert "Jedes Ereignis, das gegen Sie gezählt hat" in text
    assert "Verkauf storniert, weil er nicht bezahlt wurde." in text
    assert "Pünktlich bezahlt" in text and "Median der Tage bis zur Zahlung" in text


@pytest.mark.django_db
def test_staff_read_the_inspector_records_in_chinese():
    staff = StaffFactory(language="zh-hans")
    client = Client()
    client.force_login(staff)
    text = _get(reverse("insights:inspectors"), "de", client)
    assert '<html lang="zh-hans"' in text and "检测员记录" in text


# -- the methods' sentences ------------------------------------------------------------------------------------------

def test_the_records_sentences_are_written_in_the_readers_language_with_its_numbers():
    record = dealer_record(dealer_example(), as_of=DEALER_AS_OF)
    inspector = inspector_record(inspector_example(), as_of=INSPECTOR_AS_OF)
    late = next(event.text for event in record.counted_against if event.sale_ref == "S-108")
    assert (record.summary, late) == ("Score 79 of 100 from 10 sales in the last 12 months",
                                      "Collected 1.5 days after the collection deadline.")
    with translation.override("de"):
        assert in_language(record.summary) == "Punktzahl 79 von 100 aus 10 Verkäufen in den letzten 12 Monaten"
        assert in_language(late) == "1,5 Tage nach der Abholfrist abgeholt."
        assert in_language(inspector.summary) == "bestätigte Protokolle: 98 % von 212"
    with translation.override("zh-hans"):
        assert in_language(record.summary) == "最近 12 个月 10 笔成交，得分 79（满分 100）"
        assert in_language(inspector.summary) == "报告得到证实：212 份中的 98%"
    with translation.override("en-gb"):
        assert in_language(record.summary) == record.summary


def test_the_price_guide_reads_in_german_with_german_money():
    guidance = price_guidance(GUIDANCE_TARGET, guidance_example(), as_of=GUIDANCE_AS_OF)
    with translation.override("de"):
        html = render_to_string("insights/_price_guidance.html", {"guidance": guidance}).replace("\xa0", " ")
    assert "Vergleichbare Autos wurden für <strong>13.300 € bis 13.900 €</strong> verkauft" in html
    assert "gleiche Marke und gleiches Modell, zugelassen innerhalb von 1 Jahr" in html
    assert "Laufleistung innerhalb von 40.000 km" in html
    assert "274 € je 10.000 km" in html and "1 vergleichbares Paar (nötig: 10): Standardwert verwendet" in html
    assert "Die 6 vergleichbaren Verkäufe (anonymisiert)" in html
