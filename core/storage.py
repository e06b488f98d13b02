"""The S3-compatible storage: django-storages' S3Storage, with presigned URLs signed for the address browsers use."""

import threading

from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class GavelS3Storage(S3Storage):
    """A private bucket whose every URL is presigned and short-lived.

    `public_endpoint_url`: where browsers reach the store when Gavel's own processes reach it at another address
    (a container network). A presigned URL signs its host, so it is signed with a client for that address."""

    def __init__(self, **settings):
        self.public_endpoint_url = settings.pop("public_endpoint_url", None)
        super().__init__(**settings)
        self._public_connections = threading.local()

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_public_connections", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._public_connections = threading.local()

    def _url_connection(self):
        if not self.public_endpoint_url:
            return self.connection
        connection = getattr(self._public_connections, "connection", None)
        if connection is None:
            connection = self._create_session().resource(
                "s3", region_name=self.region_name, use_ssl=self.use_ssl, endpoint_url=self.public_endpoint_url,
                config=self.client_config, verify=self.verify)
            self._public_connections.connection = connection
        return connection

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.public_endpoint_url:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        params = dict(parameters or {})
        params["Bucket"] = self.bucket_name
        params["Key"] = self._normalize_name(clean_name(name))
        return self._url_connection().meta.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expire if expire is not None else self.querystring_expire,
            HttpMethod=http_method)
