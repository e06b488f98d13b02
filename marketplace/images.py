"""Photo uploads: prove the file is a real image, strip every bit of metadata, make variants.

The upload is untrusted. In order: size in bytes, format and pixel count from the header
(before anything is decoded, so a decompression bomb costs nothing), Pillow's verify(), a
full decode, then re-encoding. Every stored file (the original too) is re-encoded from pixels,
so EXIF (GPS position, camera serial), XMP and comments never reach storage.
"""

import io
import logging
import re
import uuid
import warnings
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from core.exceptions import ValidationFailed

logger = logging.getLogger(__name__)

# Long edge in pixels; never upscaled.
VARIANT_SIZES = {"thumb": 320, "medium": 960, "large": 1920}
# Pillow format -> (content type, extension of the stored original). MPO is how Pillow names
# the multi-picture JPEGs many phones write.
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}

NOT_AN_IMAGE = gettext_lazy("This file is not a photo we can read. Upload a JPEG, PNG or WebP image.")
DAMAGED = gettext_lazy("This image is damaged or incomplete (was the upload cut off?). Please try another file.")


@dataclass
class ProcessedPhoto:
    width: int
    height: int
    content_type: str
    extension: str
    # "original", "thumb", "medium", "large" -> encoded bytes
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def size_bytes(self) -> int:
        return len(self.files["original"])


def _refuse(message, name: str = "") -> ValidationFailed:
    text = f"{name}: {message}" if name else str(message)
    return ValidationFailed(text, fields={"photo": [text]})


def _read_limited(upload, name: str) -> bytes:
    max_bytes = settings.GAVEL_PHOTO_MAX_BYTES
    too_big = _("This file is larger than %(size)s MB. Please upload a smaller photo.") % {
        "size": max_bytes // (1024 * 1024)}
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _refuse(too_big, name)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(too_big, name)
    if not data:
        raise _refuse(_("This file is empty."), name)
    return data


def _to_srgb(image: Image.Image) -> Image.Image:
    """Bake an embedded colour profile into the pixels so dropping the profile keeps the colours."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        # None only with inPlace=True, which Pillow's annotation does not tell apart.
        return ImageCms.profileToProfile(  # type: ignore[return-value]
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except Exception:  # a broken or unusual profile: the untouched pixels are still a fine photo
        return image


def _flatten(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha and keep_alpha:
        return image.convert("RGBA")
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, fmt: str) -> bytes:
    image.info = {}  # no EXIF, XMP, ICC, comments or text chunks are carried into the new file
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(out, "PNG")
    else:
        image.save(out, "WEBP", quality=88, method=4)
    return out.getvalue()


def photo_process(upload, *, name: str = "") -> ProcessedPhoto:
    """Validate and re-encode one upload. Raises ValidationFailed(fields={"photo": [...]})."""
    data = _read_limited(upload, name)
    max_pixels = settings.GAVEL_PHOTO_MAX_PIXELS
    too_many_pixels = _("This image is too large: at most %(megapixels)s megapixels. Please upload a smaller "
                        "photo.") % {"megapixels": max_pixels // 1_000_000}
    with warnings.catch_warnings():
        # Pillow's own bomb guard warns before it errors; both mean "refuse".
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ACCEPTED_FORMATS:
                    raise _refuse(NOT_AN_IMAGE, name)
                # The header's size, checked before a single pixel is decoded.
                if width * height > max_pixels:
                    raise _refuse(too_many_pixels, name)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
        except ValidationFailed:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(too_many_pixels, name)
        except UnidentifiedImageError:
            raise _refuse(NOT_AN_IMAGE, name)
        except Exception as exc:  # Pillow raises many types (OSError, SyntaxError, struct.error…) on bad input
            logger.info("photo refused as damaged: %s: %s", type(exc).__name__, exc)
            raise _refuse(DAMAGED, name)

    upright = _to_srgb(upright)
    content_type, extension = ACCEPTED_FORMATS[fmt]
    stored_format = "JPEG" if fmt == "MPO" else fmt
    processed = ProcessedPhoto(width=upright.width, height=upright.height, content_type=content_type,
                               extension=extension)
    processed.files["original"] = _encode(_flatten(upright, keep_alpha=stored_format != "JPEG"), stored_format)
    rgb = _flatten(upright, keep_alpha=False)
    for variant, long_edge in VARIANT_SIZES.items():
        resized = rgb.copy()
        resized.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
        processed.files[variant] = _encode(resized, "JPEG")
    return processed


# What photo_store names a file (listing photos and every other kind of photo evidence alike).
PHOTO_NAME = re.compile(r"^listings/(?P<listing_id>\d+)/[0-9a-f]{32}_(original|thumb|medium|large)\.(jpg|png|webp)$")


def photo_listing_id(name: str) -> int | None:
    """The listing a stored photo's name belongs to, or None when the name is not one photo_store makes."""
    match = PHOTO_NAME.match(name)
    return int(match["listing_id"]) if match else None


def photo_store(processed: ProcessedPhoto, *, listing_id: int) -> dict[str, str]:
    """Write all files through default_storage; on any failure remove what was written, then re-raise."""
    stem = f"listings/{listing_id}/{uuid.uuid4().hex}"
    written: list[str] = []
    try:
        names = {}
        for variant, content in processed.files.items():
            extension = processed.extension if variant == "original" else "jpg"
            names[variant] = default_storage.save(f"{stem}_{variant}.{extension}", ContentFile(content))
            written.append(names[variant])
        return names
    except Exception:
        photo_files_delete(written)
        raise


def photo_files_delete(names) -> None:
    """Best effort: a file that is already gone is not an error."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.warning("could not delete photo file %s", name, exc_info=True)
