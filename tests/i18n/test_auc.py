"""Auctions, webhooks and the live pages in German and Simplified Chinese, from the outside: pages through the test
client, refusals through the API, notices and emails as their recipients get them (PostgreSQL)."""

import json
import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from auctions import bid_policy, services
from core.models import Notification
from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction
from tests.live.conftest import asgi_server as _asgi_server  # noqa: F401  (the live server fixture, by its name)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _live_texts(page: str) -> dict:
    found = re.search(r'<script id="live-texts" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the page carries the live scripts' words"
    return json.loads(found.group(1))


def test_the_dashboard_speaks_the_dealers_own_language(client_for):
    make_auction()
    dealer = DealerFactory(verified=True, language="de")
    page = client_for(dealer).get(reverse("auctions:dashboard")).content.decode()
    assert '<html lang="de"' in page
    assert "Filtern und sortieren" in page and "Live &amp; demnächst" in page
    assert "Filter and sort" not in page
    texts = _live_texts(page)
    assert texts["ending"] == "Endet…" and texts["bids_other"] == "{count} Gebote"


def test_the_auction_page_follows_accept_language_in_chinese(client_for):
    auction = make_auction()
    dealer = DealerFactory(verified=True)
    page = client_for(dealer).get(reverse("auctions:detail", args=[auction.pk]),
                                  HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans"' in page
    assert "出价规则" in page  # "How bidding works"
    assert "首次出价必须不低于起拍价。" in page  # the first rule, from auctions.rules
    assert "设置最高出价" in page  # "Set maximum"
    assert _live_texts(page)["reserve_not_met"] == "未达保留价"


def test_the_rules_page_is_public_and_translated(client):
    page = client.get(reverse("auctions:rules"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de"' in page
    assert "<h1>Auktionsregeln</h1>" in page
    assert "Bieter werden als „Händler 1“, „Händler 2“ … angezeigt" in page


def test_a_refused_bid_comes_back_in_german_with_german_money(client_for):
    auction = make_auction()  # starting price €10,000
    dealer = DealerFactory(verified=True)
    response = client_for(dealer).post(reverse("api:auction-bids", args=[auction.pk]), {"amount_minor": 5_000_00},
                                       format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bid_too_low"  # the code stays the machine's
    assert body["detail"] == "Das niedrigste Gebot ist jetzt 10.000\xa0€."
    assert body["fields"]["amount_minor"] == ["Bieten Sie mindestens 10.000\xa0€."]


def test_a_bid_form_error_is_shown_in_the_users_language(client_for):
    auction = make_auction()
    dealer = DealerFactory(verified=True, language="de")
    client = client_for(dealer)
    client.post(reverse("auctions:bid", args=[auction.pk]), {"max_amount": "lots"}, format="multipart")
    page = client.get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert "Geben Sie Ihr Maximum als Betrag ein, z. B. 12500." in page


def test_an_outbid_german_dealer_is_told_in_german_whoever_outbid_them(django_capture_on_commit_callbacks):
    auction = make_auction()
    german = DealerFactory(verified=True, language="de")
    english = DealerFactory(verified=True, language="en-gb")
    with django_capture_on_commit_callbacks(execute=True):
        services.bid_place(auction_id=auction.pk, dealer=german, amount_minor=10_000_00)
    with django_capture_on_commit_callbacks(execute=True):
        bid_policy.bid_answer_body(services.bid_place(auction_id=auction.pk, dealer=english,
                                                      amount_minor=11_000_00))
    note = Notification.objects.get(user=german, kind="outbid")
    assert note.title == "Sie wurden beim 2018 Volkswagen Golf überboten"
    assert note.body == "Der Preis liegt jetzt bei 11.000\xa0€. Bieten Sie erneut, bevor die Auktion endet."
    (email,) = [m for m in mail.outbox if m.to == [german.email]]
    assert "überboten" in email.subject


def test_the_seller_and_the_winner_are_each_told_in_their_own_language(seller, django_capture_on_commit_callbacks):
    from tests.auctions.conftest import move_end

    seller.language = "zh-hans"
    seller.save(update_fields=["language"])
    auction = make_auction()
    auction.listing.seller = seller
    auction.listing.save(update_fields=["seller"])
    winner = DealerFactory(verified=True, language="de")
    with django_capture_on_commit_callbacks(execute=True):
        services.bid_place(auction_id=auction.pk, dealer=winner, amount_minor=12_000_00)
    move_end(auction, seconds_from_now=-1)
    with django_capture_on_commit_callbacks(execute=True):
        services.auction_close(auction_id=auction.pk)
    won = Notification.objects.get(user=winner, kind="auction_won")
    assert won.title == "Sie haben den 2018 Volkswagen Golf für 12.000\xa0€ ersteigert"
    sold = Notification.objects.get(user=seller, kind="auction_sold")
    assert sold.title == "您的 2018 Volkswagen Golf 已以 €12,000 售出"


def test_the_webhooks_page_in_german(client_for):
    dealer = DealerFactory(verified=True, language="de")
    page = client_for(dealer).get(reverse("integrations:webhooks")).content.decode()
    assert "<h2>Ihre Endpunkte</h2>" in page and "Noch keine Endpunkte." in page
    refused = client_for(dealer).post(reverse("integrations:webhooks"),
                                      {"url": "https://hooks.example.com/gavel"}).content.decode()
    assert "Wählen Sie mindestens ein Ereignis." in refused


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_a_german_dealers_page_follows_a_rivals_bid_live_in_german(browser, _asgi_server):  # noqa: F811
    from django.conf import settings

    from tests.live.conftest import session_cookie

    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    german, rival = DealerFactory(verified=True, language="de"), DealerFactory(verified=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie(german),
                          "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.goto(f"{_asgi_server.origin}/auctions/{auction.pk}/")
    page.wait_for_selector("html[data-live-auction=ready]")
    page.get_by_role("button", name=re.compile(r"^Jetzt 10\.000\s€ bieten$")).click()
    page.wait_for_selector("html[data-live-auction=ready]")

    services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
    # The frame carries numbers, codes and the label "Dealer 2": the page writes them in German.
    expect(page.locator(".bid-box [data-price]")).to_have_text(re.compile(r"^10\.100\s€$"))
    expect(page.locator(".bid-box [data-bid-count]")).to_have_text("2 Gebote")
    expect(page.locator(".bid-box [data-my-state]")).to_have_text("Überboten")
    expect(page.get_by_role("button", name=re.compile(r"^Jetzt 10\.200\s€ bieten$"))).to_be_visible()
    assert page.locator(".bid-history li").first.inner_text().startswith("Händler 2")
    page.wait_for_selector(".live-toast >> text=Sie wurden beim 2018 Volkswagen Golf überboten")


def test_saved_search_alerts_and_the_daily_digest_reach_each_dealer_in_their_language(
        django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    chinese, german = DealerFactory(verified=True, language="zh-hans"), DealerFactory(verified=True, language="de")
    services.saved_search_create(dealer=chinese, name="高尔夫", criteria={}, alert_in_app=True)
    services.saved_search_create(dealer=german, name="Golfs", criteria={}, alert_in_app=False, alert_email="daily")
    with django_capture_on_commit_callbacks(execute=True):
        make_auction(starts_at=timezone.now() + timedelta(hours=2))
    told = Notification.objects.get(user=chinese, kind="saved_search_match")
    assert told.title == "“高尔夫”有新车：2018 Volkswagen Golf，起价 €10,000.00"
    assert services.saved_search_digests_send() == 1
    assert mail.outbox[-1].to == [german.email] and mail.outbox[-1].subject == "Ihre gespeicherten Suchen: 1 neu"
