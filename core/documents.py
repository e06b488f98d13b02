"""Uploaded documents (a dealer's trade licence, a car's registration certificate): checked, stored privately,
reviewed by staff.

The upload is untrusted: its size is capped (GAVEL_DOCUMENT_MAX_BYTES) and its type is sniffed from its bytes, never
taken from the name or the browser's word: a PDF (`%PDF-` and an `%%EOF` near the end), or a JPEG or PNG that
Pillow reads through. The bytes are stored as uploaded (a PDF cannot be re-encoded the way a photo is), under a
random name, as a private object: served with the sniffed type, `nosniff`, a sandboxing CSP and only through signed,
expiring links (core.media)."""

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from core.audit import audit_record
from core.exceptions import ValidationFailed
from core.models import AuditLog, ReviewedDocument
from core.transitions import TransitionResult, transition

ACCEPTED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class SniffedDocument:
    data: bytes
    content_type: str
    extension: str
    original_filename: str


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"document": [message]})


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf" if b"%%EOF" in data[-1024:] else None
    for prefix, content_type, fmt in ((b"\xff\xd8\xff", "image/jpeg", "JPEG"),
                                      (b"\x89PNG\r\n\x1a\n", "image/png", "PNG")):
        if data.startswith(prefix):
            try:
                with Image.open(io.BytesIO(data)) as image:
                    if image.format != fmt or image.width * image.height > settings.GAVEL_PHOTO_MAX_PIXELS:
                        return None
                    image.verify()
            except Exception:  # Pillow raises many types on bad input: not a readable image
                return None
            return content_type
    return None


def document_read(upload) -> SniffedDocument:
    """Read and check one upload. Raises ValidationFailed(fields={"document": [...]})."""
    if upload is None:
        raise _refuse(_("Choose a file to upload."))
    max_bytes = settings.GAVEL_DOCUMENT_MAX_BYTES
    too_big = _("This file is larger than %(mb)s MB. Please upload a smaller one.") % {
        "mb": max_bytes // (1024 * 1024)}
    if getattr(upload, "size", None) is not None and upload.size > max_bytes:
        raise _refuse(too_big)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(too_big)
    if not data:
        raise _refuse(_("This file is empty."))
    content_type = _sniff(data)
    if content_type is None:
        raise _refuse(_("Upload a PDF, JPEG or PNG file."))
    return SniffedDocument(data=data, content_type=content_type, extension=ACCEPTED_TYPES[content_type],
                           original_filename=str(getattr(upload, "name", "") or "")[:255])


def document_store(document: SniffedDocument, *, folder: str) -> str:
    """Write the bytes through default_storage under a random name in `folder`; returns the stored name."""
    return default_storage.save(f"{folder}/{uuid.uuid4().hex}.{document.extension}", ContentFile(document.data))


def document_create(*, model: type[ReviewedDocument], upload, folder: str, actor, **owner) -> ReviewedDocument:
    """Check the upload, store it, then create its row (audited). A failed write leaves no file behind."""
    sniffed = document_read(upload)
    name = document_store(sniffed, folder=folder)
    try:
        with transaction.atomic():
            document = model._default_manager.create(
                file=name, content_type=sniffed.content_type, size_bytes=len(sniffed.data),
                original_filename=sniffed.original_filename, **owner)
            audit_record(obj=document, action=AuditLog.Action.CREATE, actor=actor,
                         data={"content_type": sniffed.content_type, "size_bytes": len(sniffed.data)})
    except Exception:
        default_storage.delete(name)
        raise
    return document


def document_review(*, document: ReviewedDocument, actor, accept: bool, reason: str = "") -> TransitionResult:
    """Staff accept or reject an uploaded document; a rejection says why (the uploader sees it)."""
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the document is rejected; the uploader will see it.")]})
    return transition(
        document, ReviewedDocument.Status.ACCEPTED if accept else ReviewedDocument.Status.REJECTED,
        actor=actor, reason=reason,
        updates={"reviewed_at": timezone.now(), "reviewed_by": actor, "status_reason": reason})
