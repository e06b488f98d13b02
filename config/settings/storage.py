"""Where uploaded files live: local disk (MEDIA_ROOT) or an S3-compatible object store, through Django's storage API.

Every upload Gavel keeps (photos, inspection and dispute evidence, PDF invoices, uploaded documents) goes through
`default_storage`. With MEDIA_STORAGE=s3 the bucket stays private: each file is reached through a presigned URL
that expires after GAVEL_MEDIA_URL_SECONDS. On local disk Django serves the files at MEDIA_URL (core.views.media):
the photos of a published listing to anyone, everything else only with a signed, expiring link and only to a
viewer allowed to see it (core.media).
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.django import DEBUG
from config.settings.env import env_choice, env_int, env_str

MEDIA_STORAGE = env_choice("MEDIA_STORAGE", "local", ["local", "s3"])
# How long a signed link to a private file (or, on S3, any file) works.
GAVEL_MEDIA_URL_SECONDS = env_int("GAVEL_MEDIA_URL_SECONDS", 300, minimum=1, maximum=7 * 24 * 3600)

# Uploaded documents (a trade licence, a registration certificate: PDF, JPEG or PNG, core.documents): at most this.
GAVEL_DOCUMENT_MAX_BYTES = env_int("GAVEL_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
# An S3-compatible server (MinIO, moto, …); empty for Amazon S3 itself.
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL", "")
# The address browsers reach the store at, when it differs from the one Gavel's processes use (docker-compose:
# the web container says http://minio:9000, the browser http://127.0.0.1:9000). Presigned URLs are signed for it.
AWS_S3_PUBLIC_ENDPOINT_URL = env_str("AWS_S3_PUBLIC_ENDPOINT_URL", "")
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID", "")
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY", "")
# Path-style addressing (http://host/bucket/key) suits every S3-compatible server; Amazon takes either.
AWS_S3_ADDRESSING_STYLE = env_choice("AWS_S3_ADDRESSING_STYLE", "path", ["path", "virtual", "auto"])

if MEDIA_STORAGE == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when MEDIA_STORAGE is s3.")


def s3_storage_options(*, bucket: str, endpoint_url: str = "", public_endpoint_url: str = "", region: str = "",
                       access_key: str = "", secret_key: str = "", addressing_style: str = "path",
                       expire_seconds: int = 300) -> dict:
    """The OPTIONS of core.storage.GavelS3Storage: a private bucket, presigned URLs, no overwrites."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "public_endpoint_url": public_endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "addressing_style": addressing_style,
        "signature_version": "s3v4",
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": expire_seconds,
        "file_overwrite": False,
    }


STORAGES = {
    "default": (
        {"BACKEND": "core.storage.GavelS3Storage", "OPTIONS": s3_storage_options(
            bucket=AWS_STORAGE_BUCKET_NAME, endpoint_url=AWS_S3_ENDPOINT_URL,
            public_endpoint_url=AWS_S3_PUBLIC_ENDPOINT_URL, region=AWS_S3_REGION_NAME,
            access_key=AWS_ACCESS_KEY_ID, secret_key=AWS_SECRET_ACCESS_KEY,
            addressing_style=AWS_S3_ADDRESSING_STYLE, expire_seconds=GAVEL_MEDIA_URL_SECONDS)}
        if MEDIA_STORAGE == "s3"
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else ""


# Where pages load photos from besides our own origin (the Content-Security-Policy's img-src): the object store.
MEDIA_ORIGINS = (
    [_origin(AWS_S3_PUBLIC_ENDPOINT_URL or AWS_S3_ENDPOINT_URL) or f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
     "https://s3.amazonaws.com"]
    if MEDIA_STORAGE == "s3" else []
)
