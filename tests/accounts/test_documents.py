"""The trade licence: the dealer uploads it on their profile page before verification; staff open it through a
signed link and accept or reject it in admin; a dealer is not verified in admin without an accepted licence."""

import re

import pytest
from django.urls import reverse

from accounts.models import DealerDocument, DealerProfile
from tests.accounts.factories import DealerFactory
from tests.marketplace.images import pdf_bytes, png_bytes, stored_files, upload
from tests.promises.conftest import admin_action

pytestmark = pytest.mark.django_db

UPLOAD = "/accounts/profile/documents/"
PROFILES = "admin:accounts_dealerprofile_changelist"
DOCUMENTS = "admin:accounts_dealerdocument_changelist"


def _upload(client, data=None, name="licence.pdf", content_type="application/pdf"):
    return client.post(UPLOAD, {"document": upload(pdf_bytes() if data is None else data, name, content_type)},
                       format="multipart")


def _licence_link(client) -> str:
    page = client.get(reverse("accounts:profile")).content.decode()
    [link] = re.findall(r'href="(/media/uploads/licences/[^"]+)"', page)
    return link.replace("&amp;", "&")


def test_a_pending_dealer_uploads_the_trade_licence_on_the_profile_page(client_for, unverified_dealer):
    client = client_for(unverified_dealer)
    assert 'action="/accounts/profile/documents/"' in client.get(reverse("accounts:profile")).content.decode()

    response = _upload(client, png_bytes(), "licence.png", "image/png")

    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    document = DealerDocument.objects.get(profile__user=unverified_dealer)
    assert document.status == DealerDocument.Status.PENDING and document.content_type == "image/png"
    assert "Waiting for review" in client.get(reverse("accounts:profile")).content.decode()


def test_a_file_that_is_not_a_document_is_refused(client_for, unverified_dealer, settings):
    _upload(client_for(unverified_dealer), b"MZ\x90\x00 an executable", "licence.pdf")

    assert DealerDocument.objects.count() == 0 and stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("role", ["seller", "inspector", "staff"])
def test_only_dealers_upload_a_trade_licence(client_for, seller, inspector, staff, role):
    user = {"seller": seller, "inspector": inspector, "staff": staff}[role]

    assert _upload(client_for(user)).status_code == 404
    assert DealerDocument.objects.count() == 0


def test_a_signed_out_visitor_is_sent_to_log_in(client):
    response = client.post(UPLOAD, {"document": upload(pdf_bytes(), "licence.pdf", "application/pdf")})

    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert DealerDocument.objects.count() == 0


def test_the_licence_opens_for_its_dealer_and_staff_only(client, client_for, unverified_dealer, dealer, seller,
                                                         inspector, staff):
    owner = client_for(unverified_dealer)
    _upload(owner)
    link = _licence_link(owner)

    assert owner.get(link).status_code == 200
    assert client_for(staff).get(link).status_code == 200
    for stranger in (dealer, seller, inspector):
        assert client_for(stranger).get(link).status_code == 404
    assert client.get(link).status_code == 404


def test_a_dealer_is_not_verified_in_admin_without_an_accepted_trade_licence(client, client_for, unverified_dealer,
                                                                              staff):
    profile = unverified_dealer.dealer_profile
    client.force_login(staff)

    response = admin_action(client, reverse(PROFILES), "verify_dealers", [profile], reason="")

    assert "no accepted trade licence" in response.content.decode()
    profile.refresh_from_db()
    assert profile.status == DealerProfile.Status.PENDING

    _upload(client_for(unverified_dealer))
    licence = DealerDocument.objects.get()
    assert "/media/uploads/licences/" in client.get(
        reverse("admin:accounts_dealerprofile_change", args=[profile.pk])).content.decode()
    admin_action(client, reverse(DOCUMENTS), "reject_documents", [licence], reason="Expired in 2024.")
    admin_action(client, reverse(PROFILES), "verify_dealers", [profile], reason="")
    profile.refresh_from_db()
    assert profile.status == DealerProfile.Status.PENDING  # a rejected licence is no licence
    assert "Expired in 2024." in client_for(unverified_dealer).get(reverse("accounts:profile")).content.decode()

    _upload(client_for(unverified_dealer))
    renewed = DealerDocument.objects.get(status=DealerDocument.Status.PENDING)
    admin_action(client, reverse(DOCUMENTS), "accept_documents", [renewed], reason="")
    admin_action(client, reverse(PROFILES), "verify_dealers", [profile], reason="Licence checked")

    profile.refresh_from_db()
    assert profile.status == DealerProfile.Status.VERIFIED


def test_a_suspended_dealer_is_reinstated_without_a_new_upload(client, staff):
    profile = DealerFactory(suspended=True).dealer_profile
    client.force_login(staff)

    admin_action(client, reverse(PROFILES), "verify_dealers", [profile], reason="Invoices paid")

    profile.refresh_from_db()
    assert profile.status == DealerProfile.Status.VERIFIED
