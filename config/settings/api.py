"""The API: Django REST framework and its OpenAPI schema (drf-spectacular)."""

from datetime import timedelta
from typing import Any

from config.settings.django import DEBUG
from config.settings.env import env_duration, env_rate

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.CachedTokenAuthentication",
        "accounts.apikeys.ApiKeyAuthentication",
        "accounts.authentication.MemberSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bodies through core.parsers: JSON depth-limited, and no text that PostgreSQL cannot store.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser", "core.parsers.FormParser", "core.parsers.MultiPartParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "core.openapi.GavelAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Dealer organisations (accounts.organisations, accounts.apikeys): how long an emailed invitation stays open;
# requests per API key, counted in Redis (429 beyond).
GAVEL_INVITATION_TTL = env_duration("GAVEL_INVITATION_DAYS", timedelta(days=7), unit="days")
GAVEL_API_KEY_RATE = env_rate("GAVEL_API_KEY_RATE", "120/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Gavel API",
    "DESCRIPTION": "Gavel: sellers list cars, inspectors publish reports, verified dealers bid, escrow settles.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AuctionStatusEnum": "auctions.models.Auction.Status",
        "AuctionOutcomeEnum": "auctions.models.Auction.Outcome",
        "ListingStatusEnum": "marketplace.models.Listing.Status",
        "InspectionStatusEnum": "inspections.models.Inspection.Status",
        # The `role` of each role-shaped auction answer (discriminator of AuctionListItemOutput/AuctionDetailOutput).
        "AuctionDealerRoleEnum": ["dealer"],
        "MembershipRoleEnum": "accounts.models.Membership.Role",
        "ApiKeyScopeEnum": "accounts.models.ApiKey.Scope",
        "AuctionSellerRoleEnum": ["seller"],
        "AuctionStaffRoleEnum": ["staff"],
    },
}
