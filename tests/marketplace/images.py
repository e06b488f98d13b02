"""Test images built in memory: real photos, broken files and a decompression bomb."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825


def jpeg_bytes(width=1200, height=900, colour=(40, 90, 160), *, gps=False, orientation=None) -> bytes:
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste(colour, (0, 0, width // 2, height // 2))
    exif = Image.Exif()
    exif[0x010F] = "Gavel Test Camera"  # Make
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 18.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png_bytes(width=800, height=600, *, alpha=False) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (200, 30, 30, 128) if alpha else (200, 30, 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp_bytes(width=640, height=480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 60)).save(out, "WEBP")
    return out.getvalue()


def truncated_jpeg_bytes() -> bytes:
    data = jpeg_bytes(1600, 1200)
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb_bytes(side=20_000) -> bytes:
    """A valid 1-bit greyscale PNG of side×side pixels (400 MP at 20,000), a few dozen KB on disk.

    Built chunk by chunk so the test never holds the decoded image: rows are streamed into zlib."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)  # filter byte + packed 1-bit pixels
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media_root) -> list:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def pdf_bytes(pages: int = 1) -> bytes:
    """A small, well-formed PDF (a document upload: core.documents)."""
    kids = " ".join(f"{3 + n} 0 R" for n in range(pages))
    objects = [b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj",
               f"2 0 obj<</Type/Pages/Kids[{kids}]/Count {pages}>>endobj".encode()]
    objects += [f"{3 + n} 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj".encode() for n in range(pages)]
    return b"%PDF-1.4\n" + b"\n".join(objects) + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
