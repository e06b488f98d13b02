"""Marketplace and inspections in German and Simplified Chinese, from the outside: the seller's pages, the
inspector's pages and the published report (with its grade method) in the reader's language, form and API errors
in the asker's language, notices in the recipient's; and what must not change with the language (the English
pages, the fingerprinted report content) does not."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.models import Notification
from inspections import checklist_texts
from inspections.checklist import checklist_load
from inspections.grading import grade_method_lines
from inspections.selectors import report_disclosed_items
from marketplace import services as listing_services
from marketplace.models import Listing
from tests.accounts.factories import InspectorFactory, SellerFactory, StaffFactory
from tests.inspections.factories import published_inspection, scheduled_inspection, submitted_listing
from tests.marketplace.factories import ListingFactory

pytestmark = pytest.mark.django_db


def _page(user, url, **headers):
    client = Client(**headers)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# -- the seller's pages -----------------------------------------------------------------------------------------


def test_a_german_seller_reads_their_cars_and_a_listing_in_german_with_german_money():
    seller = SellerFactory(language="de")
    listing = ListingFactory(seller=seller, reserve_minor=12_500_00)
    cars = _page(seller, reverse("marketplace:list"))
    assert '<html lang="de"' in cars
    assert "Meine Fahrzeuge" in cars and "Fahrzeug inserieren" in cars
    detail = _page(seller, reverse("marketplace:detail", args=[listing.pk]))
    assert "Das Fahrzeug" in detail and "Laufleistung" in detail and "Zur Prüfung einreichen" in detail
    assert "Schaltgetriebe" in detail and "Benzin" in detail  # the model's choices
    assert "12.500" in detail  # the reserve, formatted for German readers
    assert "The car" not in detail and "Submit for inspection" not in detail


def test_a_seller_whose_browser_asks_for_chinese_reads_the_wizard_in_chinese():
    seller = SellerFactory(language="")
    html = _page(seller, reverse("marketplace:create"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert '<html lang="zh-hans"' in html
    assert "发布车辆" in html and "保存并继续" in html and "车牌号" in html
    assert 'data-text-intro="根据 VIN：{facts}。"' in html  # the VIN note's words, for vin.js


def test_the_english_pages_stay_as_they_were():
    seller = SellerFactory(language="en-gb")
    listing = ListingFactory(seller=seller)
    html = _page(seller, reverse("marketplace:detail", args=[listing.pk]))
    assert '<html lang="en-gb"' in html
    assert "The car" in html and "Submit for inspection" in html and "Manual" in html


def test_a_wizard_error_comes_back_in_german():
    seller = SellerFactory(language="de")
    client = Client()
    client.force_login(seller)
    response = client.post(reverse("marketplace:create"), {
        "vin": "WVWZZ", "registration_plate": "B-GV 1", "make": "Volkswagen", "model": "Golf",
        "first_registration_year": "2018"})
    assert response.status_code == 200
    assert "Eine FIN hat genau 17 Zeichen; diese hat 5." in response.content.decode()


def test_the_api_refuses_in_the_language_the_client_asks_for(client_for):
    seller = SellerFactory(language="")
    api = client_for(seller)
    response = api.post("/api/v1/listings/", {
        "vin": "WVWZZZ1KZAW00000I", "registration_plate": "B-GV 1", "make": "VW", "model": "Golf",
        "first_registration_year": 2018}, format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert response.json()["fields"]["vin"] == [
        "Eine FIN enthält nie die Buchstaben I, O oder Q: Prüfen Sie auf 1 und 0."]
    draft = ListingFactory(seller=seller)  # complete, but without a photo
    refused = api.post(f"/api/v1/listings/{draft.pk}/submit/", format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "提交前请至少添加一张照片。"


def test_a_german_seller_is_told_of_a_relisting_in_german():
    seller = SellerFactory(language="de")
    listing = ListingFactory(seller=seller, status=Listing.Status.UNSOLD)
    with translation.override("en-gb"):  # an English-speaking member of staff does it
        listing_services.listing_relist(listing=listing, actor=StaffFactory(language="en-gb"))
    notice = Notification.objects.get(user=seller, kind="listing_relisted")
    assert notice.title == "Ihr 2018 Volkswagen Golf steht wieder auf der Liste für eine Auktion"
    assert notice.body.startswith("Wir planen die Auktion")


# -- inspections --------------------------------------------------------------------------------------------------


def test_a_german_seller_learns_the_appointment_in_german_from_an_english_inspector():
    seller = SellerFactory(language="de")
    with translation.override("en-gb"):
        inspection = scheduled_inspection(inspector=InspectorFactory(language="en-gb"),
                                          listing=submitted_listing(seller=seller))
    notice = Notification.objects.get(user=seller, kind="inspection_booked")
    assert notice.title.startswith("Ihr 2016 Volkswagen Golf ist zur Prüfung gebucht am ")
    assert "Prüfung gebucht:" in notice.body and inspection.place in notice.body
    assert "Bitte halten Sie das Fahrzeug" in notice.body


def test_the_inspectors_work_page_and_queue_in_chinese():
    inspector = InspectorFactory(language="zh-hans")
    inspection = scheduled_inspection(inspector=inspector)
    work = _page(inspector, reverse("inspections:work", args=[inspection.pk]))
    assert '<html lang="zh-hans"' in work
    assert "检测清单" in work and "发动机盖" in work and "外部车身板件" in work and "损伤图" in work
    queue = _page(inspector, reverse("inspections:queue"))
    assert "检测任务队列" in queue and "今日安排" in queue


def test_the_published_report_and_its_grade_method_in_german_and_chinese():
    inspection, report = published_inspection(items={"brakes.discs_front": {"status": "minor", "note": "worn"}})
    seller = inspection.listing.seller
    url = reverse("inspection_report", args=[inspection.listing_id])
    seller.language = "de"
    seller.save(update_fields=["language"])
    german = _page(seller, url)
    assert '<html lang="de"' in german
    assert "Wie die Note berechnet wird" in german and "Befunde" in german and "Bremsscheiben vorne" in german
    with translation.override("de"):
        method = grade_method_lines()
    assert method[0].startswith("Jede Kategorie der Checkliste hat ein Gewicht; die Gewichte ergeben zusammen 100 "
                                "Punkte: Karosserieteile 12, Lack 6")
    assert method[1].endswith("Reifen und Räder: unter 1,6 mm ist schwer, unter 3,0 mm leicht.")
    assert all(line in german for line in method)
    seller.language = "zh-hans"
    seller.save(update_fields=["language"])
    chinese = _page(seller, url)
    assert "评级的计算方法" in chinese and "前刹车盘" in chinese and "制动系统" in chinese


def test_the_grade_method_in_english_is_the_published_text():
    with translation.override("en-gb"):
        method = grade_method_lines()
    assert method[1] == ("Every item marked minor costs 15 % of its category's weight, every item marked major "
                         "60 %. OK and not-applicable items cost nothing. Measured items get their status from the "
                         "measurement: tyres and wheels: under 1.6 mm is major, under 3.0 mm minor.")
    assert method[6] == "Caps: a flood or fire indicator makes the grade E; an accident indicator makes it at best C."


def test_a_report_published_in_german_keeps_english_fingerprinted_content():
    with translation.override("de"):
        inspection, report = published_inspection(
            items={"brakes.discs_front": {"status": "minor", "note": "worn"}}, facts={"accident": True})
    explanation = report.content["result"]["explanation"]
    assert explanation[0]["label"] == "Front discs" and explanation[0]["category_label"] == "Brakes"
    assert "Accident indicator found: grade capped at C (the score alone gives A)." in [
        line.get("text") for line in explanation]
    seller = inspection.listing.seller
    seller.language = "de"
    seller.save(update_fields=["language"])
    german = _page(seller, reverse("inspection_report", args=[inspection.listing_id]))
    assert "Hinweis auf Unfall gefunden: Note begrenzt auf C (die Punktzahl allein ergibt A)." in german
    assert "Bremsscheiben vorne" in german and "(Bremsen)" in german  # the explanation's line, in German


def test_a_form_error_of_the_work_page_in_german():
    inspector = InspectorFactory(language="de")
    inspection = scheduled_inspection(inspector=inspector)
    client = Client()
    client.force_login(inspector)
    client.post(reverse("inspections:save", args=[inspection.pk]), {"fact__odometer_km": "lots"})
    html = client.get(reverse("inspections:work", args=[inspection.pk])).content.decode()
    assert "Geben Sie den Stand in ganzen Kilometern ein." in html


def test_the_checklist_texts_module_lists_every_label_of_the_checklist_files():
    source = Path(checklist_texts.__file__).read_text(encoding="utf-8")
    assert checklist_texts._module_source() == source
    labels = {item.label for item in checklist_load().items} | {c.label for c in checklist_load().categories}
    assert labels <= set(checklist_texts.TEXTS)


def test_the_vin_decoder_names_the_country_in_the_sellers_language():
    seller = SellerFactory(language="de")
    client = Client()
    client.force_login(seller)
    facts = client.get(reverse("marketplace:vin_decode"), {"vin": "WVWZZZ1KZAW000001"}).json()
    assert facts["make"] == "Volkswagen" and facts["country"] == "Deutschland"


def test_the_disclosed_lines_a_sale_keeps_are_english_whoever_opens_it():
    inspection, report = published_inspection(items={"brakes.discs_front": {"status": "minor", "note": "worn"}})
    with translation.override("de"):
        disclosed = report_disclosed_items(report=report)
    assert disclosed["brakes.discs_front"]["text"] == "Brakes · Front discs — minor: worn"
