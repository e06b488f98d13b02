"""A missing page: the site's own 404 page, also with DEBUG on, unless GAVEL_DEBUG_404 asks for Django's."""

import pytest

pytestmark = pytest.mark.django_db

TECHNICAL = "Using the URLconf defined in"


def test_a_missing_page_in_development_shows_the_sites_404_page(client, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert TECHNICAL not in response.content.decode()


def test_a_view_raising_not_found_in_development_shows_the_sites_404_page(client, settings):
    settings.DEBUG = True
    response = client.get("/media/no-such-photo.jpg")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_djangos_technical_404_page_only_when_asked(client, settings):
    settings.DEBUG = True
    settings.GAVEL_DEBUG_404 = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and TECHNICAL in response.content.decode()


def test_the_apis_404_stays_the_apis_json_answer(client, settings, django_user_model):
    settings.DEBUG = True
    client.force_login(django_user_model.objects.create_user(email="d@example.com", password="a-long-password-1"))
    response = client.get("/api/v1/auctions/999999999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")
