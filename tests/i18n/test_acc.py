"""Accounts, privacy and the site's frame in German and Simplified Chinese, from the outside: the pages answer in the
browser's language (or the signed-in person's own), form errors and the API's `detail` too, the language switcher
remembers a choice, and what Gavel writes to someone later (emails, the payout-account notice) is in the
recipient's language, whoever's request caused it."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from schwifty import IBAN

from accounts import organisations, security
from core.models import Notification
from core.money import Money
from tests.accounts.factories import PASSWORD, DealerFactory, SellerFactory, member_of

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-gb"}


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize(("headers", "lang", "sentences"), [
    (GERMAN, "de", ["Verkaufen Sie Ihr Fahrzeug an verifizierte Händler. Fair, offen, schnell.", "So funktioniert es",
                    "Gebühren und Regeln", "Zum Inhalt springen"]),
    (CHINESE, "zh-hans", ["将您的车辆卖给经过验证的经销商。公平、公开、快速。", "如何运作", "费用与规则", "跳到正文"]),
])
def test_the_home_page_speaks_the_browsers_language(client, headers, lang, sentences):
    page = _page(client.get(reverse("home"), **headers))
    assert f'<html lang="{lang}"' in page
    for sentence in sentences:
        assert sentence in page
    assert "How it works" not in page


def test_english_stays_english(client):
    page = _page(client.get(reverse("home"), **ENGLISH))
    assert '<html lang="en-gb"' in page and "How it works" in page and "So funktioniert es" not in page


@pytest.mark.parametrize(("name", "german", "chinese"), [
    ("dealers", "Geprüfte Fahrzeuge, direkt von ihren Besitzern.", "经过检测的车辆，直接来自车主。"),
    ("accounts:login", "Passwort vergessen?", "忘记密码？"),
    ("accounts:signup", "Verkaufen Sie Ihr Fahrzeug auf Gavel", "在 Gavel 上出售您的车辆"),
    ("accounts:signup_dealer", "Registrieren Sie Ihr Autohaus", "注册您的经销商"),
    ("accounts:password_reset", "Link senden", "发送链接"),
])
def test_the_public_pages_of_accounts_in_german_and_chinese(client, name, german, chinese):
    assert german in _page(client.get(reverse(name), **GERMAN))
    assert chinese in _page(client.get(reverse(name), **CHINESE))


def test_a_signed_in_persons_own_language_wins_over_the_browsers(client_for):
    seller = SellerFactory(language="de")
    client = client_for(seller)
    profile = _page(client.get(reverse("accounts:profile"), **CHINESE))
    assert '<html lang="de"' in profile
    assert "Ihr Profil" in profile and "Mitglied seit" in profile and "Verkäufer" in profile  # the role's label too
    assert "Ihre Daten" in _page(client.get(reverse("privacy:overview"), **CHINESE))
    assert "Benachrichtigungseinstellungen" in _page(client.get(reverse("notifications_preferences")))
    assert "Ihr Fahrzeug ist verkauft" in _page(client.get(reverse("notifications_preferences")))  # a kind's label


def test_the_push_scripts_sentences_come_from_the_page_in_its_language(client_for, settings):
    settings.GAVEL_VAPID_PRIVATE_KEY, settings.GAVEL_VAPID_PUBLIC_KEY = "private", "public"
    page = _page(client_for(SellerFactory(language="de")).get(reverse("notifications_preferences")))
    assert 'data-text-on="Push ist für dieses Gerät eingeschaltet."' in page
    assert 'data-text-unsupported="Dieser Browser kann keine Push-Nachrichten empfangen."' in page


def test_the_dealer_dashboard_in_german_with_german_money(client_for):
    dealer = DealerFactory(verified=True, language="de")
    page = _page(client_for(dealer).get(reverse("accounts:dashboard")))
    with translation.override("de"):
        limit = Money.of(dealer.dealer_profile.buying_limit_minor).format()
    assert re.fullmatch(r"50\.000,00\s€", limit)
    assert f"Sie können insgesamt bis zu {limit} über Ihre führenden Gebote" in page
    assert "Zu erledigen" in page and "Kauflimit" in page


def test_the_organisation_page_in_chinese(client_for):
    dealer = DealerFactory(verified=True, language="zh-hans")
    page = _page(client_for(dealer).get(reverse("accounts:organisation")))
    assert "邀请他人" in page and "API 密钥" in page and "（账户持有人）" in page


def test_a_form_error_comes_back_in_german(client):
    response = client.post(reverse("accounts:signup"), {
        "full_name": "Sam", "email": "sam@example.test", "password": "a-long-passphrase-7",
        "password_confirm": "another-passphrase-8"}, **GERMAN)
    page = response.content.decode()
    assert "Die beiden Passwörter stimmen nicht überein." in page
    assert "Passwort wiederholen" in page  # the field's label


def test_a_service_refusal_on_a_page_comes_back_in_chinese(client):
    SellerFactory(email="taken@example.test")
    response = client.post(reverse("accounts:signup"), {
        "full_name": "Sam", "email": "taken@example.test", "password": "a-long-passphrase-7",
        "password_confirm": "a-long-passphrase-7"}, **CHINESE)
    assert "已存在使用此电子邮件地址的账户。" in response.content.decode()


def test_an_api_error_detail_comes_back_in_german(api_client):
    response = api_client.post("/api/v1/auth/token/", {"email": "nobody@example.test", "password": "wrong-one"},
                               format="json", **GERMAN)
    assert response.status_code == 400
    assert response.json()["detail"] == "E-Mail-Adresse oder Passwort ist falsch."
    assert response.json()["fields"]["non_field_errors"] == ["E-Mail-Adresse oder Passwort ist falsch."]


def test_an_api_permission_refusal_in_chinese(client_for):
    buyer = member_of(DealerFactory(verified=True), "buyer")
    response = client_for(buyer).get("/api/v1/organisation/members/", HTTP_ACCEPT="application/json", **CHINESE)
    assert response.status_code == 403
    assert response.json()["detail"] == "您在组织中的角色不允许“manage”。"


def test_the_404_page_in_german(client):
    response = client.get("/keine-solche-seite/", **GERMAN)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Wir können diese Seite nicht finden" in page and '<html lang="de"' in page


# -- the language switcher -----------------------------------------------------------------------------------------

def test_the_switcher_turns_the_site_german_and_goes_back(client):
    response = client.post(reverse("accounts:language_set"), {"language": "de", "next": reverse("dealers")})
    assert response.status_code == 302 and response["Location"] == reverse("dealers")
    page = _page(client.get(reverse("dealers")))  # the cookie, not the browser, says German now
    assert '<html lang="de"' in page and "Was Sie brauchen" in page


def test_the_switcher_saves_a_signed_in_persons_language(client):
    seller = SellerFactory(language="")
    client.force_login(seller)
    client.post(reverse("accounts:language_set"), {"language": "zh-hans", "next": reverse("accounts:profile")})
    seller.refresh_from_db()
    assert seller.language == "zh-hans"
    assert "您的个人资料" in _page(client.get(reverse("accounts:profile"), **GERMAN))


def test_the_switcher_refuses_an_unknown_language(client):
    response = client.post(reverse("accounts:language_set"), {"language": "xx", "next": "/"}, **GERMAN)
    assert response.status_code == 400
    assert "Wählen Sie eine Sprache aus der Liste." in response.content.decode()


def test_the_switcher_never_sends_anyone_to_another_site(client):
    response = client.post(reverse("accounts:language_set"), {"language": "de", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


# -- written later, in the recipient's language --------------------------------------------------------------------

def test_the_verification_email_is_in_the_language_signed_up_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), {
            "full_name": "Li Wei", "email": "li@example.test", "password": "a-long-passphrase-7",
            "password_confirm": "a-long-passphrase-7"}, **CHINESE)
    (email,) = mail.outbox
    assert email.subject == "确认您在 Gavel 的电子邮件地址"
    assert email.body.startswith("Li，您好") and "小时内打开以下链接，确认这是您的电子邮件地址" in email.body


def test_a_password_reset_asked_in_english_is_written_in_the_accounts_language(client):
    SellerFactory(email="greta@example.test", full_name="Greta Berg", language="de")
    client.post(reverse("accounts:password_reset"), {"email": "greta@example.test"}, **ENGLISH)
    (email,) = mail.outbox
    assert email.subject == "Setzen Sie Ihr Gavel-Passwort zurück"
    assert email.body.startswith("Hallo Greta") and "Wählen Sie hier ein neues Passwort:" in email.body


def test_an_english_owner_invites_a_german_speaker_in_german(django_capture_on_commit_callbacks):
    owner = DealerFactory(verified=True, language="en-gb")
    SellerFactory(email="jonas@example.test", language="de")
    with translation.override("en-gb"), django_capture_on_commit_callbacks(execute=True):
        organisations.invitation_create(org=owner.dealer_profile, actor=owner, email="jonas@example.test",
                                        role="buyer")
    (email,) = [m for m in mail.outbox if m.to == ["jonas@example.test"]]
    assert email.subject == f"Sie sind zu {owner.dealer_profile.company_name} auf Gavel eingeladen"
    assert "als Einkäufer anzuschließen" in email.body


def test_the_payout_account_notice_is_in_the_sellers_language_with_their_date(django_capture_on_commit_callbacks):
    seller = SellerFactory(language="de")
    new = IBAN.generate("DE", bank_code="37040044", account_code="0532013000").compact
    with translation.override("en-gb"), django_capture_on_commit_callbacks(execute=True):
        assert security.payout_account_change(user=seller, payout_account=new, current_password=PASSWORD)
    notice = Notification.objects.get(user=seller, kind="payout_account_changed")
    assert notice.title == "Ihr Auszahlungskonto wurde geändert"
    assert re.search(r"wurde am \d{2}\.\d{2}\.\d{4} um \d{2}:\d{2} UTC von DE\d\d …\d{4} auf DE\d\d …3000 geändert",
                     notice.body), notice.body
    (email,) = [m for m in mail.outbox if m.to == [seller.email]]
    assert email.subject == notice.title
