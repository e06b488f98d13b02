"""Which language Gavel answers and writes in: the request's (the switcher's cookie, else Accept-Language), a
signed-in user's own over both, the recipient's for what is told later (notifications), money by CLDR."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from core.i18n import render, translatable, user_language
from core.models import Notification
from core.money import Money
from core.notifications import notify

pytestmark = pytest.mark.django_db


def test_an_api_error_comes_back_in_the_language_the_client_asks_for(api_client):
    german = api_client.get(reverse("api:me"), HTTP_ACCEPT_LANGUAGE="de")
    chinese = api_client.get(reverse("api:me"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    english = api_client.get(reverse("api:me"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert german.status_code == chinese.status_code == english.status_code == 401
    assert german.json()["detail"] == "Anmeldedaten fehlen."
    assert chinese.json()["detail"] == "身份认证信息未提供。"
    assert english.json()["detail"] == "Authentication credentials were not provided."
    assert german["Content-Language"] == "de"


def test_pages_name_their_language_and_a_signed_in_users_own_language_wins(client, seller):
    assert '<html lang="de"' in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en-gb"' in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    User.objects.filter(pk=seller.pk).update(language="zh-hans")
    client.force_login(seller)
    page = client.get(reverse("accounts:dashboard"), HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="zh-hans"' in page.content.decode()


def test_the_switcher_remembers_the_choice_for_visitors_and_on_the_account(client, seller):
    answer = client.post(reverse("accounts:language_set"), {"language": "de", "next": "/dealers/"})
    assert answer.status_code == 302 and answer["Location"] == "/dealers/"
    assert '<html lang="de"' in client.get(reverse("home")).content.decode()  # the cookie
    client.force_login(seller)
    client.post(reverse("accounts:language_set"), {"language": "zh-hans", "next": "/"})
    seller.refresh_from_db()
    assert seller.language == "zh-hans"


def test_the_switcher_refuses_an_unknown_language_and_a_foreign_next_address(client, seller):
    assert client.post(reverse("accounts:language_set"), {"language": "xx"}).status_code == 400
    away = client.post(reverse("accounts:language_set"), {"language": "de", "next": "https://evil.example/"})
    assert away.status_code == 302 and away["Location"] == reverse("home")
    client.force_login(seller)
    assert client.post(reverse("accounts:language_set"), {"language": "xx"}).status_code == 400
    seller.refresh_from_db()
    assert seller.language == ""


def test_the_api_sets_the_language_gavel_writes_in(client_for, seller):
    api = client_for(seller)
    answer = api.patch(reverse("api:me"), {"language": "de"}, format="json")
    assert answer.status_code == 200 and answer.json()["language"] == "de"
    refused = api.patch(reverse("api:me"), {"language": "klingon"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()["fields"]
    seller.refresh_from_db()
    assert seller.language == "de"


def test_a_new_account_keeps_the_language_it_signed_up_in(client):
    client.post(reverse("accounts:signup"), {"email": "neu@example.test", "full_name": "Neu Person",
                                             "password": "a-long-passphrase-7", "password_confirm":
                                             "a-long-passphrase-7", "terms": "on"}, HTTP_ACCEPT_LANGUAGE="de")
    user = User.objects.get(email="neu@example.test")
    assert user.language == "de" and user_language(user) == "de"


def test_a_notification_is_written_in_its_recipients_language_whoever_caused_it(seller, dealer):
    User.objects.filter(pk=dealer.pk).update(language="de")
    dealer.refresh_from_db()
    title = translatable("Outbid at {price}", price=Money.of(1_250_000))
    with translation.override("zh-hans"):  # the request that caused it was in Chinese
        notify(user=dealer, kind="outbid", title=title, email=False)
        notify(user=seller, kind="outbid", title=title, email=False)
    assert Notification.objects.get(user=dealer).title == "Outbid at 12.500,00\xa0€"
    assert Notification.objects.get(user=seller).title == "Outbid at €12,500.00"


def test_a_translatable_survives_json_and_nests():
    import json

    text = json.loads(json.dumps(translatable("{what} for {price}", what=translatable("A sentence no catalogue holds"),
                                              price=Money.of(99_00))))
    assert render(text) == "A sentence no catalogue holds for €99.00"
    with translation.override("de"):
        assert render(text) == "A sentence no catalogue holds for 99,00\xa0€"


def test_dates_in_a_translatable_are_written_for_the_reader():
    import json
    from datetime import UTC, date, datetime

    text = json.loads(json.dumps(translatable("Collect by {day}, paid {moment}", day=date(2026, 12, 5),
                                              moment=datetime(2026, 12, 1, 9, 30, tzinfo=UTC))))
    assert render(text) == "Collect by 5 Dec 2026, paid 1 Dec 2026, 10:30 a.m."  # Europe/Berlin
    with translation.override("de"):
        assert render(text) == "Collect by 5. Dezember 2026, paid 1. Dezember 2026 10:30"


def test_a_grouped_number_in_a_translatable_is_grouped_the_readers_way():
    text = translatable("the odometer reads {reads:,} km", reads=123456)
    assert render(text) == "the odometer reads 123,456 km"
    with translation.override("de"):
        assert render(text) == "the odometer reads 123.456 km"
