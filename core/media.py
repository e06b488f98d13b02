"""Who may read an uploaded file, and the short-lived links that reach it.

Files are never addressed by a bare path unless they are public (the photos of a published listing). Everything
else — draft-listing photos, inspection and dispute evidence, collection photos, uploaded documents — is reached
through a link that expires after GAVEL_MEDIA_URL_SECONDS:

- on S3 (MEDIA_STORAGE=s3) every link is a presigned URL of the private bucket;
- on local disk a link is MEDIA_URL + the file's name + `?sig=`, a django.core.signing timestamp signature of the
  name; core.views.media checks the signature and its age, then asks the app that owns the file whether the viewer
  may see it (so a link copied to a stranger, or kept past its time, opens nothing).

Each app that stores files registers one resolver (in its AppConfig.ready) that, given a storage name, says
whether the file is one of its own and, if so, who may see it. core never imports the apps above it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile

SIGNATURE_SALT = "gavel.media"


@dataclass(frozen=True)
class MediaAccess:
    """An owned file: public (anyone, no signature needed), or visible to the users `may_view` accepts."""

    public: bool
    may_view: Callable[[object], bool]
    content_type: str = ""  # served with this type when set (documents); else from the name (photos)


Resolver = Callable[[str], "MediaAccess | None"]
_resolvers: list[Resolver] = []


def resolver_register(resolver: Resolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def media_access(name: str) -> MediaAccess | None:
    """What the app owning `name` says about it; None for a name no app owns (served to nobody)."""
    for resolver in _resolvers:
        access = resolver(name)
        if access is not None:
            return access
    return None


def is_object_storage() -> bool:
    return settings.MEDIA_STORAGE == "s3"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SIGNATURE_SALT)


def signature_for(name: str) -> str:
    """The `sig` of a local-disk link: timestamp and signature, without the name the URL already carries."""
    return _signer().sign(name)[len(name) + 1:]


def signature_valid(name: str, signature: str) -> bool:
    try:
        _signer().unsign(f"{name}:{signature}", max_age=settings.GAVEL_MEDIA_URL_SECONDS)
    except signing.BadSignature:  # SignatureExpired is one
        return False
    return True


def signed_url(name: str) -> str:
    """A link to a private file that works for GAVEL_MEDIA_URL_SECONDS (and, on local disk, only for a viewer
    the owning app allows)."""
    if is_object_storage():
        storage: Any = default_storage  # core.storage.GavelS3Storage, whose url() takes the expiry
        return storage.url(name, expire=settings.GAVEL_MEDIA_URL_SECONDS)
    return f"{default_storage.url(name)}?sig={signature_for(name)}"


def url_for(file: FieldFile) -> str:
    """The URL a page or the API gives for a stored file: plain for a public one (on local disk), else signed.

    Public is what the file's model says (`media_is_public`, e.g. a published listing's photo); a model that
    says nothing is private."""
    if not file or not file.name:
        return ""
    public = bool(getattr(file.instance, "media_is_public", False))
    if public and not is_object_storage():
        return file.url
    return signed_url(file.name)
