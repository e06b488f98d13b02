"""A real S3-compatible server for the storage tests: moto in server mode, one per test session (per xdist worker),
on a free port of its own; each test that asks for `s3_storage` gets a fresh private bucket and Gavel's default
storage pointed at it (MEDIA_STORAGE=s3), exactly as config.settings.storage builds it."""

import logging
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from config.settings.storage import s3_storage_options

ACCESS_KEY = "gavel-test"
SECRET_KEY = "gavel-test-secret"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Bucket:
    endpoint: str
    bucket: str
    client: Any

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        region_name=REGION)


@pytest.fixture
def s3_storage(s3_server, settings) -> S3Bucket:
    bucket = f"gavel-test-{uuid.uuid4().hex[:16]}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=bucket)
    settings.MEDIA_STORAGE = "s3"
    # Changing STORAGES resets django.core.files.storage.default_storage (Django's setting_changed handler).
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "core.storage.GavelS3Storage",
        "OPTIONS": s3_storage_options(bucket=bucket, endpoint_url=s3_server, region=REGION, access_key=ACCESS_KEY,
                                      secret_key=SECRET_KEY, expire_seconds=settings.GAVEL_MEDIA_URL_SECONDS),
    }}
    return S3Bucket(endpoint=s3_server, bucket=bucket, client=client)
