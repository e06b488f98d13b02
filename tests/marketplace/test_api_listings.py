import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import token_for
from marketplace.models import Listing, ListingPhoto
from tests.accounts.factories import SellerFactory
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, stored_files, truncated_jpeg_bytes, upload

pytestmark = pytest.mark.django_db

NEW_LISTING = {"vin": "wvwzzz1kzaw000901", "registration_plate": "B-AP 901", "make": "Volkswagen",
               "model": "Polo", "first_registration_year": 2019, "mileage_km": 40_000, "fuel": "petrol",
               "reserve_minor": 9_500_00}
OWNER_KEYS = {"id", "status", "status_display", "vin", "make", "model", "variant", "first_registration_year",
              "mileage_km", "fuel", "transmission", "body_type", "colour", "previous_owners", "service_history",
              "city", "description", "photos", "created_at", "seller_id", "registration_plate", "postcode",
              "currency", "reserve_minor", "asking_price_minor", "next_step", "rejection_reason", "can_edit",
              "can_withdraw", "submitted_at", "updated_at"}
PHOTO_KEYS = {"id", "position", "is_cover", "width", "height", "content_type", "size_bytes", "urls", "created_at"}


@pytest.fixture
def owner(seller):
    return seller


@pytest.fixture
def clients(owner, dealer, inspector, staff, client_for):
    """Every role's client, keyed by role name."""
    return {"owner": client_for(owner), "other_seller": client_for(SellerFactory()), "dealer": client_for(dealer),
            "inspector": client_for(inspector), "staff": client_for(staff), "anonymous": APIClient()}


def url(name, *args):
    return reverse(f"api:{name}", args=args)


# --- list and create ---------------------------------------------------------------------------


def test_owner_lists_their_listings_with_the_reserve(owner, clients, listing):
    ListingFactory()  # someone else's
    response = clients["owner"].get(url("listing-list"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and set(body) == {"count", "next", "previous", "results"}
    item = body["results"][0]
    assert set(item) == OWNER_KEYS
    assert item["id"] == listing.pk and item["reserve_minor"] == 12_000_00 and item["currency"] == "EUR"


@pytest.mark.parametrize("role", ["other_seller", "dealer", "inspector"])
def test_other_roles_list_none_of_the_sellers_listings(role, clients, listing):
    response = clients[role].get(url("listing-list"))
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert "reserve_minor" not in response.content.decode()


def test_staff_list_every_listing(clients, listing):
    ListingFactory()
    assert clients["staff"].get(url("listing-list")).json()["count"] == 2


def test_anonymous_gets_401_everywhere(clients, listing):
    anonymous = clients["anonymous"]
    photo_url = url("listing-photo-detail", listing.pk, 1)
    for method, path in [("get", url("listing-list")), ("post", url("listing-list")),
                         ("get", url("listing-detail", listing.pk)), ("patch", url("listing-detail", listing.pk)),
                         ("post", url("listing-photos", listing.pk)), ("delete", photo_url),
                         ("post", url("listing-photos-order", listing.pk)),
                         ("post", url("listing-photo-cover", listing.pk, 1)),
                         ("post", url("listing-submit", listing.pk)), ("post", url("listing-withdraw", listing.pk))]:
        response = getattr(anonymous, method)(path)
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "not_authenticated"


def test_seller_creates_a_draft(owner, clients):
    response = clients["owner"].post(url("listing-list"), NEW_LISTING, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == OWNER_KEYS
    assert body["status"] == "draft" and body["vin"] == "WVWZZZ1KZAW000901" and body["can_edit"] is True
    assert body["reserve_minor"] == 9_500_00 and body["photos"] == []
    assert body["next_step"].startswith("Draft: add")
    assert Listing.objects.get(pk=body["id"]).seller == owner


def test_token_auth_works_for_the_api(owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user=owner)}")
    assert client.post(url("listing-list"), NEW_LISTING, format="json").status_code == 201


def test_create_with_bad_fields_is_400_with_field_messages(clients):
    bad = {**NEW_LISTING, "vin": "1HGCM82634A004352", "first_registration_year": 1900, "mileage_km": -1,
           "reserve_minor": 0}
    response = clients["owner"].post(url("listing-list"), bad, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"vin", "first_registration_year", "mileage_km", "reserve_minor"}
    assert "check digit" in body["fields"]["vin"][0]
    assert not Listing.objects.exists()


def test_create_without_identity_fields_is_400(clients):
    response = clients["owner"].post(url("listing-list"), {"make": "Audi"}, format="json")
    assert response.status_code == 400
    assert {"vin", "registration_plate", "model", "first_registration_year"} <= set(response.json()["fields"])


def test_a_float_reserve_is_refused(clients):
    response = clients["owner"].post(url("listing-list"), {**NEW_LISTING, "reserve_minor": 9500.5}, format="json")
    assert response.status_code == 400 and "reserve_minor" in response.json()["fields"]


def test_a_second_open_listing_for_a_vin_is_400_on_the_vin(clients, listing):
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.SUBMITTED)
    response = clients["owner"].post(url("listing-list"), {**NEW_LISTING, "vin": listing.vin}, format="json")
    assert response.status_code == 400
    assert "already has an open listing" in response.json()["fields"]["vin"][0]


@pytest.mark.parametrize("role", ["dealer", "inspector", "staff"])
def test_non_sellers_cannot_create_listings(role, clients):
    response = clients[role].post(url("listing-list"), NEW_LISTING, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_seller"


# --- detail and patch --------------------------------------------------------------------------


def test_owner_and_staff_see_the_detail(clients, listing):
    for role in ("owner", "staff"):
        response = clients[role].get(url("listing-detail", listing.pk))
        assert response.status_code == 200
        assert set(response.json()) == OWNER_KEYS


@pytest.mark.parametrize("role", ["other_seller", "dealer", "inspector"])
def test_other_users_get_404_on_every_listing_endpoint(role, clients, listing, add_photo):
    photo = add_photo(listing)
    client = clients[role]
    for method, path, data in [
        ("get", url("listing-detail", listing.pk), None),
        ("patch", url("listing-detail", listing.pk), {"colour": "Red"}),
        ("post", url("listing-photos", listing.pk), {"photo": upload(jpeg_bytes())}),
        ("delete", url("listing-photo-detail", listing.pk, photo.pk), None),
        ("post", url("listing-photos-order", listing.pk), {"photo_ids": [photo.pk]}),
        ("post", url("listing-photo-cover", listing.pk, photo.pk), None),
        ("post", url("listing-submit", listing.pk), None),
        ("post", url("listing-withdraw", listing.pk), None),
    ]:
        kwargs = {"format": "multipart"} if "photos" in path and method == "post" and "order" not in path else {}
        response = getattr(client, method)(path, data, **kwargs) if data is not None else getattr(client, method)(
            path)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json() == {"code": "not_found", "detail": "Not found."}
    listing.refresh_from_db()
    assert listing.status == "draft" and listing.colour == "Blue" and listing.photos.count() == 1


def test_owner_patches_a_draft(clients, listing):
    response = clients["owner"].patch(url("listing-detail", listing.pk), {"mileage_km": 91_000, "colour": "Red"},
                                      format="json")
    assert response.status_code == 200
    assert response.json()["mileage_km"] == 91_000 and response.json()["colour"] == "Red"
    listing.refresh_from_db()
    assert listing.mileage_km == 91_000


def test_patch_with_a_bad_value_is_400(clients, listing):
    response = clients["owner"].patch(url("listing-detail", listing.pk), {"reserve_minor": 10**12}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reserve_minor"]


def test_patch_after_submission_is_409_not_editable(clients, listing):
    listing.status = Listing.Status.SUBMITTED
    listing.save()
    response = clients["owner"].patch(url("listing-detail", listing.pk), {"colour": "Red"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_editable"


def test_staff_may_read_but_not_edit_a_sellers_draft(clients, listing):
    response = clients["staff"].patch(url("listing-detail", listing.pk), {"colour": "Red"}, format="json")
    assert response.status_code == 403


def test_unknown_listing_is_404(clients):
    assert clients["owner"].get(url("listing-detail", 999_999)).status_code == 404


# --- photos ------------------------------------------------------------------------------------


def test_owner_uploads_a_photo_as_multipart(clients, listing):
    response = clients["owner"].post(url("listing-photos", listing.pk), {"photo": upload(jpeg_bytes(1600, 1200))},
                                     format="multipart")
    assert response.status_code == 201
    (photo,) = response.json()["photos"]
    assert set(photo) == PHOTO_KEYS
    assert photo["is_cover"] is True and photo["width"] == 1600
    assert set(photo["urls"]) == {"original", "thumb", "medium", "large"}
    assert photo["urls"]["thumb"].startswith("http://testserver/media/listings/")


def test_owner_uploads_several_photos_at_once(clients, listing):
    response = clients["owner"].post(url("listing-photos", listing.pk),
                                     {"photos": [upload(jpeg_bytes(), "a.jpg"), upload(jpeg_bytes(), "b.jpg")]},
                                     format="multipart")
    assert response.status_code == 201
    assert [p["position"] for p in response.json()["photos"]] == [0, 1]


def test_a_broken_upload_is_400_and_leaves_nothing(clients, listing, media_root):
    response = clients["owner"].post(url("listing-photos", listing.pk), {"photo": upload(truncated_jpeg_bytes())},
                                     format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "damaged" in response.json()["fields"]["photo"][0]
    assert stored_files(media_root) == [] and not ListingPhoto.objects.exists()


def test_an_upload_without_a_file_is_400(clients, listing):
    response = clients["owner"].post(url("listing-photos", listing.pk), {}, format="multipart")
    assert response.status_code == 400 and "photo" in response.json()["fields"]


def test_json_to_the_upload_endpoint_is_415(clients, listing):
    response = clients["owner"].post(url("listing-photos", listing.pk), {"photo": "x"}, format="json")
    assert response.status_code == 415


def test_owner_deletes_a_photo(clients, listing, add_photo):
    photo = add_photo(listing)
    response = clients["owner"].delete(url("listing-photo-detail", listing.pk, photo.pk))
    assert response.status_code == 204
    assert not listing.photos.exists()


def test_deleting_a_photo_of_another_listing_is_404(clients, listing, add_photo):
    foreign = add_photo(ListingFactory())
    assert clients["owner"].delete(url("listing-photo-detail", listing.pk, foreign.pk)).status_code == 404
    assert ListingPhoto.objects.filter(pk=foreign.pk).exists()


def test_owner_reorders_photos_and_picks_the_cover(clients, listing, add_photo):
    a, b = add_photo(listing), add_photo(listing)
    response = clients["owner"].post(url("listing-photos-order", listing.pk), {"photo_ids": [b.pk, a.pk]},
                                     format="json")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["photos"]] == [b.pk, a.pk]

    response = clients["owner"].post(url("listing-photo-cover", listing.pk, b.pk))
    assert response.status_code == 200
    assert {p["id"]: p["is_cover"] for p in response.json()["photos"]} == {a.pk: False, b.pk: True}


def test_reorder_with_an_incomplete_list_is_400(clients, listing, add_photo):
    a, _ = add_photo(listing), add_photo(listing)
    response = clients["owner"].post(url("listing-photos-order", listing.pk), {"photo_ids": [a.pk]}, format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["photo_ids"]


# --- submit and withdraw -----------------------------------------------------------------------


def test_owner_submits_a_ready_listing(clients, ready_listing):
    response = clients["owner"].post(url("listing-submit", ready_listing.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted" and body["next_step"] == "Waiting for an inspector."
    assert body["can_edit"] is False and body["submitted_at"]


def test_submitting_an_incomplete_draft_is_400_naming_what_is_missing(clients, listing):
    response = clients["owner"].post(url("listing-submit", listing.pk))
    assert response.status_code == 400 and list(response.json()["fields"]) == ["photos"]


def test_submit_or_withdraw_in_the_wrong_state_is_409_invalid_transition(clients, owner):
    live = ListingFactory(seller=owner, status=Listing.Status.IN_AUCTION)
    withdrawn = ListingFactory(seller=owner, status=Listing.Status.WITHDRAWN)
    for path in (url("listing-withdraw", live.pk), url("listing-submit", withdrawn.pk)):
        response = clients["owner"].post(path)
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"


def test_owner_withdraws_with_an_optional_reason(clients, listing):
    response = clients["owner"].post(url("listing-withdraw", listing.pk), {"reason": "Kept it"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn" and response.json()["next_step"] == "Withdrawn by you."


def test_staff_cannot_submit_or_withdraw_for_the_seller(clients, ready_listing):
    assert clients["staff"].post(url("listing-submit", ready_listing.pk)).status_code == 403
    assert clients["staff"].post(url("listing-withdraw", ready_listing.pk)).status_code == 403
