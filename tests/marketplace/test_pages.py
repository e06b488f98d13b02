import pytest
from django.test import Client
from django.urls import reverse

from marketplace.models import Listing, ListingPhoto
from tests.accounts.factories import SellerFactory
from tests.marketplace.factories import IdentityOnlyListingFactory, ListingFactory
from tests.marketplace.images import jpeg_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client(seller):
    client = Client()
    client.force_login(seller)
    return client


def test_pages_send_anonymous_visitors_to_log_in(listing):
    client = Client()
    for path in (reverse("marketplace:list"), reverse("marketplace:create"),
                 reverse("marketplace:detail", args=[listing.pk]),
                 reverse("marketplace:edit", args=[listing.pk, 2]),
                 reverse("marketplace:photos", args=[listing.pk])):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path


def test_wizard_creates_a_draft_step_by_step(browser_client, seller):
    response = browser_client.post(reverse("marketplace:create"), {
        "vin": "wvwzzz1kzaw000555", "registration_plate": "b-gv 555", "make": "Volkswagen", "model": "Golf",
        "variant": "", "first_registration_year": "2018"})
    listing = Listing.objects.get(seller=seller)
    assert response.status_code == 302 and response["Location"] == reverse("marketplace:edit", args=[listing.pk, 2])
    assert listing.vin == "WVWZZZ1KZAW000555" and listing.status == "draft"

    response = browser_client.post(reverse("marketplace:edit", args=[listing.pk, 2]), {
        "mileage_km": "88000", "fuel": "diesel", "transmission": "manual", "body_type": "estate",
        "colour": "Grey", "previous_owners": "2", "service_history": "yes", "postcode": "10115", "city": "Berlin",
        "description": "Tow bar."})
    assert response["Location"] == reverse("marketplace:edit", args=[listing.pk, 3])

    response = browser_client.post(reverse("marketplace:edit", args=[listing.pk, 3]),
                                   {"reserve_minor": "12500", "asking_price_minor": ""})
    assert response["Location"] == reverse("marketplace:photos", args=[listing.pk])

    listing.refresh_from_db()
    assert listing.reserve_minor == 12_500_00 and listing.asking_price_minor is None
    assert listing.service_history is True and listing.mileage_km == 88_000


def test_wizard_shows_field_errors_and_saves_nothing(browser_client, seller):
    response = browser_client.post(reverse("marketplace:create"), {
        "vin": "1HGCM82634A004352", "registration_plate": "X", "make": "Honda", "model": "Accord",
        "first_registration_year": "1900"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"vin", "first_registration_year"}
    assert "check digit" in form.errors["vin"][0]
    assert not Listing.objects.exists()


def test_wizard_reports_a_duplicate_vin_on_the_vin_field(browser_client):
    existing = ListingFactory(status=Listing.Status.SUBMITTED)
    response = browser_client.post(reverse("marketplace:create"), {
        "vin": existing.vin, "registration_plate": "B-X 1", "make": "VW", "model": "Golf",
        "first_registration_year": "2018"})
    assert "already has an open listing" in response.context["form"].errors["vin"][0]


def test_reserve_is_entered_in_whole_units_and_checked_against_the_ceiling(browser_client, seller, settings):
    settings.GAVEL_RESERVE_CEILING_MINOR = 100_000_00
    listing = IdentityOnlyListingFactory(seller=seller)
    response = browser_client.post(reverse("marketplace:edit", args=[listing.pk, 3]), {"reserve_minor": "100001"})
    assert "at most €100,000" in response.context["form"].errors["reserve_minor"][0]
    response = browser_client.post(reverse("marketplace:edit", args=[listing.pk, 3]), {"reserve_minor": "99.5"})
    assert response.context["form"].errors["reserve_minor"]
    listing.refresh_from_db()
    assert listing.reserve_minor is None


def test_edit_form_shows_the_saved_prices_in_whole_units(browser_client, seller):
    listing = ListingFactory(seller=seller, reserve_minor=12_345_00)
    response = browser_client.get(reverse("marketplace:edit", args=[listing.pk, 3]))
    assert response.context["form"].initial["reserve_minor"] == 12345
    assert 'value="12345"' in response.content.decode()


def test_save_draft_and_exit_goes_to_the_listing(browser_client, listing):
    response = browser_client.post(reverse("marketplace:edit", args=[listing.pk, 1]), {
        "vin": listing.vin, "registration_plate": "B-NEW 1", "make": "Volkswagen", "model": "Golf",
        "first_registration_year": "2018", "save_exit": "1"})
    assert response["Location"] == reverse("marketplace:detail", args=[listing.pk])
    listing.refresh_from_db()
    assert listing.registration_plate == "B-NEW 1"


def test_a_submitted_listing_cannot_be_edited_through_the_wizard(browser_client, listing):
    listing.status = Listing.Status.SUBMITTED
    listing.save()
    response = browser_client.get(reverse("marketplace:edit", args=[listing.pk, 1]))
    assert response["Location"] == reverse("marketplace:detail", args=[listing.pk])
    response = browser_client.post(reverse("marketplace:edit", args=[listing.pk, 2]), {"colour": "Red"})
    listing.refresh_from_db()
    assert listing.colour == "Blue"


def test_other_users_get_404_on_a_sellers_pages(listing, dealer):
    for user in (SellerFactory(), dealer):
        client = Client()
        client.force_login(user)
        for path in (reverse("marketplace:detail", args=[listing.pk]),
                     reverse("marketplace:edit", args=[listing.pk, 1]),
                     reverse("marketplace:photos", args=[listing.pk])):
            assert client.get(path).status_code == 404, path
        assert client.post(reverse("marketplace:submit", args=[listing.pk])).status_code == 404
        assert client.post(reverse("marketplace:withdraw", args=[listing.pk])).status_code == 404


def test_non_sellers_cannot_open_the_create_wizard(dealer):
    client = Client()
    client.force_login(dealer)
    assert client.get(reverse("marketplace:create")).status_code == 403


def test_photo_page_uploads_and_returns_the_fragment_for_htmx(browser_client, listing):
    response = browser_client.post(reverse("marketplace:photos", args=[listing.pk]),
                                   {"photos": [upload(jpeg_bytes(), "a.jpg"), upload(jpeg_bytes(), "b.jpg")]},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="photo-manager">')
    assert "2 photos added." in html and html.count('class="photo-tile') == 2
    assert "<html" not in html


def test_photo_page_upload_without_javascript_redirects_back(browser_client, listing):
    response = browser_client.post(reverse("marketplace:photos", args=[listing.pk]), {"photos": upload(jpeg_bytes())})
    assert response.status_code == 302 and response["Location"] == reverse("marketplace:photos", args=[listing.pk])
    assert listing.photos.count() == 1


def test_a_refused_upload_shows_the_reason_on_the_form(browser_client, listing, media_root):
    response = browser_client.post(reverse("marketplace:photos", args=[listing.pk]),
                                   {"photos": upload(b"just text", "car.jpg")}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "not a photo we can read" in response.content.decode()
    assert stored_files(media_root) == []


def test_photo_buttons_move_cover_and_delete(browser_client, listing, add_photo):
    a, b = add_photo(listing), add_photo(listing)

    def act(photo, action, **headers):
        return browser_client.post(reverse("marketplace:photo_action", args=[listing.pk, photo.pk, action]),
                                   **headers)

    response = act(b, "up")
    assert response.status_code == 302  # works without JavaScript
    assert list(listing.photos.order_by("position").values_list("pk", flat=True)) == [b.pk, a.pk]
    response = act(a, "cover", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="photo-manager"' in response.content.decode()
    assert listing.photos.get(is_cover=True).pk == a.pk
    act(a, "delete")
    assert list(listing.photos.values_list("pk", flat=True)) == [b.pk]
    assert listing.photos.get().is_cover
    assert act(b, "explode").status_code == 404
    assert browser_client.get(reverse("marketplace:photo_action", args=[listing.pk, b.pk, "up"])).status_code == 405


def test_detail_page_shows_status_next_step_history_and_buttons(browser_client, ready_listing):
    response = browser_client.get(reverse("marketplace:detail", args=[ready_listing.pk]))
    html = response.content.decode()
    assert "Ready: submit it for inspection" in html
    assert "Submit for inspection" in html and "Withdraw listing" in html
    assert "€12,000" in html  # the owner sees the reserve

    response = browser_client.post(reverse("marketplace:submit", args=[ready_listing.pk]), follow=True)
    html = response.content.decode()
    assert 'data-status="submitted"' in html and "Waiting for an inspector." in html
    assert "Submit for inspection" not in html
    assert [row.to_state for row in response.context["history"]] == ["submitted"]


def test_submitting_an_incomplete_draft_says_what_is_missing(browser_client, seller):
    listing = IdentityOnlyListingFactory(seller=seller)
    response = browser_client.post(reverse("marketplace:submit", args=[listing.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Almost there: add mileage") and "at least one photo" in m for m in messages)
    listing.refresh_from_db()
    assert listing.status == "draft"


def test_withdrawing_a_live_listing_is_refused_with_a_message(browser_client, seller):
    listing = ListingFactory(seller=seller, status=Listing.Status.IN_AUCTION)
    response = browser_client.post(reverse("marketplace:withdraw", args=[listing.pk]), follow=True)
    assert any("cannot go from 'in_auction'" in str(m) for m in response.context["messages"])
    listing.refresh_from_db()
    assert listing.status == "in_auction"


def test_rejection_reason_is_shown_to_the_seller(browser_client, seller):
    listing = ListingFactory(seller=seller, status=Listing.Status.REJECTED, rejection_reason="Wrong photos.")
    html = browser_client.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert "Wrong photos." in html and "Withdraw listing" not in html


def test_dashboard_and_my_cars_list_the_sellers_cars_with_what_happens_next(browser_client, seller):
    ListingFactory(seller=seller, status=Listing.Status.SUBMITTED, make="Audi", model="A4")
    ListingFactory(make="Hidden", model="Car")
    for name in ("accounts:dashboard", "marketplace:list"):
        html = browser_client.get(reverse(name)).content.decode()
        assert "Audi A4" in html and "Waiting for an inspector." in html and "Hidden" not in html
        assert reverse("marketplace:create") in html


def test_empty_dashboard_invites_to_list_a_car(browser_client):
    html = browser_client.get(reverse("accounts:dashboard")).content.decode()
    assert "You have no cars on Gavel yet" in html and "List a car" in html


def test_photo_page_of_a_submitted_listing_redirects_to_the_listing(browser_client, listing):
    listing.status = Listing.Status.SUBMITTED
    listing.save()
    response = browser_client.get(reverse("marketplace:photos", args=[listing.pk]))
    assert response["Location"] == reverse("marketplace:detail", args=[listing.pk])
    response = browser_client.post(reverse("marketplace:photos", args=[listing.pk]), {"photos": upload(jpeg_bytes())})
    assert not ListingPhoto.objects.exists()
    assert response.status_code == 200 and "Only a draft can be changed" in response.content.decode()


def test_the_vin_is_decoded_offline_for_the_wizard(client_for, seller):
    from marketplace.vin_decode import vin_decode

    assert vin_decode("1HGCM82633A004352").make == "Honda"
    assert vin_decode("1HGCM82633A004352").model_year == 2003
    assert vin_decode("WVWZZZ1KZBW000005").make == "Volkswagen"
    assert vin_decode("WVWZZZ1KZBW000005").model_year is None  # the 10th character alone is two years apart
    assert vin_decode("not a vin").make == ""
    client = client_for(seller)
    answer = client.get(reverse("marketplace:vin_decode"), {"vin": "1HGCM82633A004352"}).json()
    assert answer == {"make": "Honda", "country": "United States", "model_year": 2003}
    assert client.get(reverse("marketplace:vin_decode"), {"vin": "\u00e9" * 60}).json()["make"] == ""
    assert 'data-vin-decode-url="/sell/vin-decode/"' in client.get(reverse("marketplace:create")).content.decode()
