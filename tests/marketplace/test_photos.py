import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from core.exceptions import PermissionRefused, ValidationFailed
from marketplace import images, services
from marketplace.models import Listing, ListingPhoto
from tests.accounts.factories import SellerFactory
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import (
    GPS_IFD,
    jpeg_bytes,
    png_bomb_bytes,
    png_bytes,
    stored_files,
    truncated_jpeg_bytes,
    upload,
    webp_bytes,
)

pytestmark = pytest.mark.django_db


def _open_stored(name):
    with default_storage.open(name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
        return image


def test_a_real_jpeg_is_stored_as_original_plus_three_resized_variants(listing, media_root):
    photo = services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(jpeg_bytes(2400, 1800)))

    assert (photo.width, photo.height, photo.content_type) == (2400, 1800, "image/jpeg")
    assert photo.is_cover and photo.position == 0
    long_edges = {name: max(_open_stored(getattr(photo, name).name).size)
                  for name in ("original", "thumb", "medium", "large")}
    assert long_edges == {"original": 2400, "thumb": 320, "medium": 960, "large": 1920}
    for name in photo.file_names:
        assert name.startswith(f"listings/{listing.pk}/")
    assert photo.size_bytes == default_storage.size(photo.original.name)
    assert len(stored_files(media_root)) == 4


def test_small_photos_are_never_upscaled(listing):
    photo = services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(jpeg_bytes(300, 200)))
    assert _open_stored(photo.large.name).size == (300, 200)


def test_png_and_webp_are_accepted_and_variants_are_jpeg(listing):
    png = services.listing_photo_add(listing=listing, actor=listing.seller,
                                     upload=upload(png_bytes(alpha=True), "car.png", "image/png"))
    webp = services.listing_photo_add(listing=listing, actor=listing.seller,
                                      upload=upload(webp_bytes(), "car.webp", "image/webp"))

    assert png.content_type == "image/png" and _open_stored(png.original.name).format == "PNG"
    assert webp.content_type == "image/webp" and _open_stored(webp.original.name).format == "WEBP"
    assert _open_stored(png.thumb.name).format == "JPEG"
    assert _open_stored(png.thumb.name).mode == "RGB"


def test_gps_exif_is_gone_from_every_stored_file(listing, media_root):
    original = jpeg_bytes(1000, 800, gps=True)
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()  # the upload really carries a position

    services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(original))

    files = stored_files(media_root)
    assert len(files) == 4
    for path in files:
        data = path.read_bytes()
        image = Image.open(io.BytesIO(data))
        assert len(image.getexif()) == 0, path.name
        assert "exif" not in image.info
        assert b"Exif\x00\x00" not in data
        assert b"Gavel Test Camera" not in data


def test_exif_orientation_is_applied_to_the_pixels_before_it_is_dropped(listing):
    # Orientation 6 = rotate 90° clockwise to display: a landscape sensor image shown as portrait.
    photo = services.listing_photo_add(listing=listing, actor=listing.seller,
                                       upload=upload(jpeg_bytes(1200, 800, orientation=6)))
    assert (photo.width, photo.height) == (800, 1200)
    assert _open_stored(photo.original.name).size == (800, 1200)


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"This is not a photo at all, just text.\n" * 50, "car.jpg", "not a photo"),
    (truncated_jpeg_bytes(), "car.jpg", "damaged or incomplete"),
    (b"", "empty.jpg", "empty"),
    (b"GIF89a" + b"\x00" * 100, "car.gif", "not a photo"),
])
def test_bad_uploads_get_a_clear_error_and_leave_nothing_behind(listing, media_root, data, name, message):
    with pytest.raises(ValidationFailed) as caught:
        services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(data, name))

    assert message in caught.value.fields["photo"][0]
    assert stored_files(media_root) == []
    assert not ListingPhoto.objects.exists()


def test_a_gif_is_refused_even_though_pillow_reads_it(listing, media_root):
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, "GIF")
    with pytest.raises(ValidationFailed) as caught:
        services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(out.getvalue(), "a.gif"))
    assert "JPEG, PNG or WebP" in caught.value.fields["photo"][0]
    assert stored_files(media_root) == []


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(listing, media_root, monkeypatch):
    bomb = png_bomb_bytes(20_000)
    assert len(bomb) < 200_000  # tiny on disk, 400 megapixels when decoded

    def never_decode(self, *args, **kwargs):
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(Image.Image, "load", never_decode)
    with pytest.raises(ValidationFailed) as caught:
        services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(bomb, "bomb.png"))

    assert "too large" in caught.value.fields["photo"][0]
    assert stored_files(media_root) == []
    assert not ListingPhoto.objects.exists()


def test_images_over_the_pixel_limit_are_refused_even_below_pillows_own_limit(listing, settings):
    settings.GAVEL_PHOTO_MAX_PIXELS = 1_000_000
    with pytest.raises(ValidationFailed) as caught:
        services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(jpeg_bytes(1200, 900)))
    assert "at most 1 megapixels" in caught.value.fields["photo"][0]


def test_files_over_the_byte_limit_are_refused_before_reading(listing, settings, media_root):
    settings.GAVEL_PHOTO_MAX_BYTES = 10_000
    with pytest.raises(ValidationFailed) as caught:
        services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(jpeg_bytes(1200, 900)))
    assert "larger than" in caught.value.fields["photo"][0]
    assert stored_files(media_root) == []


def test_a_storage_failure_midway_removes_the_files_already_written(listing, media_root, monkeypatch):
    real_save = default_storage.save
    calls = []

    def flaky_save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", flaky_save)
    with pytest.raises(OSError):
        services.listing_photo_add(listing=listing, actor=listing.seller, upload=upload(jpeg_bytes()))
    assert stored_files(media_root) == []
    assert not ListingPhoto.objects.exists()


def test_several_uploads_are_all_stored_or_none(listing, media_root):
    with pytest.raises(ValidationFailed) as caught:
        services.listing_photos_add(listing=listing, actor=listing.seller, uploads=[
            upload(jpeg_bytes(), "front.jpg"), upload(b"not an image", "notes.jpg")])
    assert caught.value.fields["photo"][0].startswith("notes.jpg: ")
    assert stored_files(media_root) == []

    added = services.listing_photos_add(listing=listing, actor=listing.seller, uploads=[
        upload(jpeg_bytes(), "front.jpg"), upload(jpeg_bytes(), "back.jpg")])
    assert [(p.position, p.is_cover, p.original_filename) for p in added] == [(0, True, "front.jpg"),
                                                                              (1, False, "back.jpg")]


def test_at_most_thirty_photos_per_listing(listing, settings, add_photo):
    settings.GAVEL_LISTING_MAX_PHOTOS = 3
    for _ in range(3):
        add_photo(listing)
    with pytest.raises(ValidationFailed) as caught:
        add_photo(listing)
    assert "at most 3 photos" in caught.value.fields["photo"][0]
    assert listing.photos.count() == 3


def test_the_default_limit_is_thirty(settings):
    assert settings.GAVEL_LISTING_MAX_PHOTOS == 30


def test_photos_change_only_while_draft_and_only_by_the_owner(ready_listing, media_root):
    photo = ready_listing.photos.get()
    with pytest.raises(PermissionRefused):
        services.listing_photo_add(listing=ready_listing, actor=SellerFactory(), upload=upload(jpeg_bytes()))
    services.listing_submit(listing=ready_listing, actor=ready_listing.seller)
    before = stored_files(media_root)
    with pytest.raises(services.ListingNotEditable):
        services.listing_photo_add(listing=ready_listing, actor=ready_listing.seller, upload=upload(jpeg_bytes()))
    with pytest.raises(services.ListingNotEditable):
        services.listing_photo_delete(listing=ready_listing, actor=ready_listing.seller, photo_id=photo.pk)
    with pytest.raises(services.ListingNotEditable):
        services.listing_photos_reorder(listing=ready_listing, actor=ready_listing.seller, photo_ids=[photo.pk])
    assert stored_files(media_root) == before


def test_deleting_the_cover_makes_the_next_photo_cover_and_removes_its_files(listing, add_photo, media_root,
                                                                             django_capture_on_commit_callbacks):
    first, second, third = add_photo(listing), add_photo(listing), add_photo(listing)
    assert first.is_cover

    with django_capture_on_commit_callbacks(execute=True):
        services.listing_photo_delete(listing=listing, actor=listing.seller, photo_id=first.pk)

    photos = list(listing.photos.order_by("position"))
    assert [(p.pk, p.position, p.is_cover) for p in photos] == [(second.pk, 0, True), (third.pk, 1, False)]
    assert len(stored_files(media_root)) == 8
    assert not any(default_storage.exists(name) for name in first.file_names)


def test_deleting_a_photo_of_another_listing_is_refused(listing, add_photo):
    foreign = add_photo(ListingFactory())
    with pytest.raises(ValidationFailed):
        services.listing_photo_delete(listing=listing, actor=listing.seller, photo_id=foreign.pk)
    assert ListingPhoto.objects.filter(pk=foreign.pk).exists()


def test_reorder_takes_the_full_list_of_ids(listing, add_photo):
    a, b, c = add_photo(listing), add_photo(listing), add_photo(listing)

    services.listing_photos_reorder(listing=listing, actor=listing.seller, photo_ids=[c.pk, a.pk, b.pk])
    assert list(listing.photos.order_by("position").values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]

    for bad in ([c.pk, a.pk], [c.pk, a.pk, b.pk, b.pk], [c.pk, a.pk, 999_999]):
        with pytest.raises(ValidationFailed) as caught:
            services.listing_photos_reorder(listing=listing, actor=listing.seller, photo_ids=bad)
        assert list(caught.value.fields) == ["photo_ids"]
    assert list(listing.photos.order_by("position").values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]


def test_moving_a_photo_up_and_down(listing, add_photo):
    a, b, c = add_photo(listing), add_photo(listing), add_photo(listing)
    services.listing_photo_move(listing=listing, actor=listing.seller, photo_id=c.pk, offset=-1)
    services.listing_photo_move(listing=listing, actor=listing.seller, photo_id=a.pk, offset=-1)  # already first
    assert list(listing.photos.order_by("position").values_list("pk", flat=True)) == [a.pk, c.pk, b.pk]


def test_setting_the_cover_keeps_exactly_one(listing, add_photo):
    a, b = add_photo(listing), add_photo(listing)
    services.listing_photo_set_cover(listing=listing, actor=listing.seller, photo_id=b.pk)
    assert list(listing.photos.filter(is_cover=True).values_list("pk", flat=True)) == [b.pk]
    services.listing_photo_set_cover(listing=listing, actor=listing.seller, photo_id=b.pk)
    assert listing.photos.filter(is_cover=True).count() == 1
    assert a.pk in listing.photos.values_list("pk", flat=True)


def test_photo_process_never_writes_anything(media_root):
    processed = images.photo_process(upload(jpeg_bytes(800, 600)))
    assert set(processed.files) == {"original", "thumb", "medium", "large"}
    assert stored_files(media_root) == []
    assert Listing.objects.count() == 0
