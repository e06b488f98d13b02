"""Uploaded photos are served as images and as nothing else.

Uploads are decoded and re-encoded (marketplace/images.py), so HTML or SVG dressed up as a photo never reaches
storage. What is served comes from core.views.media: image types only, the content type fixed from the stored
name, `X-Content-Type-Options: nosniff` and a sandboxing CSP, so even a file planted in MEDIA_ROOT behind
Gavel's back cannot be run by a browser as a page. Who may read a file at all (signed, expiring links; the
owner's permission) is tests/promises/test_private_media.py.
"""

import io
from urllib.parse import urlparse

import pytest
from PIL import Image

from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, png_bytes, stored_files, upload, webp_bytes

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"></svg>'


def _upload(client, listing, data, name="photo.jpg", content_type="image/jpeg"):
    return client.post(f"/api/v1/listings/{listing.pk}/photos/", {"photo": upload(data, name, content_type)},
                       format="multipart")


def _local(url: str) -> str:
    """The path and signed query of a photo URL the API gave."""
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _assert_served_as_an_image(response, content_type):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(("data", "name", "content_type", "image_format"), [
    (jpeg_bytes(), "car.jpg", "image/jpeg", "JPEG"),
    (png_bytes(), "car.png", "image/png", "PNG"),
    (webp_bytes(), "car.webp", "image/webp", "WEBP"),
])
def test_a_served_photo_has_its_image_type_and_nosniff(client_for, seller, data, name, content_type, image_format):
    listing = ListingFactory(seller=seller)
    api = client_for(seller)
    [photo] = _upload(api, listing, data, name, content_type).json()["photos"]

    original = api.get(_local(photo["urls"]["original"]))
    thumb = api.get(_local(photo["urls"]["thumb"]))

    _assert_served_as_an_image(original, content_type)
    assert Image.open(io.BytesIO(_body(original))).format == image_format
    _assert_served_as_an_image(thumb, "image/jpeg")


@pytest.mark.parametrize("payload", [HTML, SVG, b"GIF89a" + HTML], ids=["html", "svg", "gif-header-html"])
def test_html_or_svg_named_jpg_is_refused_at_upload_and_nothing_is_stored(client_for, seller, settings, payload):
    listing = ListingFactory(seller=seller)

    response = _upload(client_for(seller), listing, payload, name="holiday.jpg")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "photo" in response.json()["fields"]
    assert listing.photos.count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []


def test_markup_hidden_in_a_real_jpeg_does_not_survive_the_re_encoding(client_for, seller, settings):
    image = Image.open(io.BytesIO(jpeg_bytes(400, 300)))
    out = io.BytesIO()
    image.save(out, "JPEG", comment=HTML)
    polyglot = out.getvalue() + HTML  # in a comment segment and after the end-of-image marker

    listing = ListingFactory(seller=seller)
    assert _upload(client_for(seller), listing, polyglot).status_code == 201

    for path in stored_files(settings.MEDIA_ROOT):
        assert b"<script" not in path.read_bytes()


@pytest.mark.parametrize("name", ["page.html", "page.htm", "drawing.svg", "script.js", "noextension", "x.jpg.html",
                                  "x.JPG.svg", "x.txt", "planted_original.jpg"])
def test_a_file_no_record_owns_is_never_served(client, settings, name):
    folder = settings.MEDIA_ROOT / "listings" / "1"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(HTML)

    assert client.get(f"/media/listings/1/{name}").status_code == 404


def test_markup_planted_under_a_photo_name_is_still_served_as_an_image_never_as_a_page(client_for, seller, settings):
    listing = ListingFactory(seller=seller)
    api = client_for(seller)
    [photo] = _upload(api, listing, jpeg_bytes()).json()["photos"]
    (settings.MEDIA_ROOT / listing.photos.get().original.name).write_bytes(HTML)  # behind Gavel's back

    response = api.get(_local(photo["urls"]["original"]))

    _assert_served_as_an_image(response, "image/jpeg")


def test_nothing_outside_the_media_root_is_served(client, settings):
    settings.MEDIA_ROOT.mkdir(parents=True)
    (settings.MEDIA_ROOT.parent / "secret.jpg").write_bytes(jpeg_bytes(10, 10))

    for path in ("/media/../secret.jpg", "/media/%2e%2e/secret.jpg", "/media//etc/passwd.jpg", "/media/listings/"):
        assert client.get(path).status_code in (400, 404), path


def test_photos_are_only_read(client_for, seller):
    listing = ListingFactory(seller=seller)
    api = client_for(seller)
    [photo] = _upload(api, listing, jpeg_bytes()).json()["photos"]
    url = _local(photo["urls"]["original"])

    assert api.post(url).status_code == 405
    assert api.head(url).status_code == 200
