"""How the schema describes the API's authentication classes (drf-spectacular extensions, loaded by AccountsConfig)."""

from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class MemberSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.MemberSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.apikeys.ApiKeyAuthentication"
    name = "organisationApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": gettext("An organisation's API key: `Api-Key <key>`. It acts within its scopes (read, "
                                       "bid, pay, webhooks) and is rate limited per key.")}
