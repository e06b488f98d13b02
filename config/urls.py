from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from accounts import api_organisation
from auctions.urls_api import urlpatterns as auctions_api
from core import views as core_views
from insights import api as insights_api
from inspections import views as inspections_views
from inspections.urls_api import urlpatterns as inspections_api
from integrations.urls_api import urlpatterns as integrations_api
from marketplace.urls_api import urlpatterns as marketplace_api
from payments import views as payments_views
from payments.urls_api import urlpatterns as payments_api
from privacy import api as privacy_api
from transparency.urls_api import urlpatterns as transparency_api

admin.site.site_header = gettext_lazy("Gavel administration")
admin.site.site_title = gettext_lazy("Gavel admin")
admin.site.index_title = gettext_lazy("Moderation")

api_v1 = [
    *auctions_api,  # first: the bids
    path("auth/token/", accounts_api.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/signup/seller/", accounts_api.SellerSignupApi.as_view(), name="auth-signup-seller"),
    path("auth/signup/dealer/", accounts_api.DealerSignupApi.as_view(), name="auth-signup-dealer"),
    path("me/", accounts_api.MeApi.as_view(), name="me"),
    path("me/data/", privacy_api.PersonalDataApi.as_view(), name="me-data"),
    path("organisation/members/", api_organisation.OrganisationMembersApi.as_view(), name="organisation-members"),
    path("organisation/members/<int:member_id>/", api_organisation.OrganisationMemberApi.as_view(),
         name="organisation-member"),
    path("organisation/api-keys/", api_organisation.OrganisationApiKeysApi.as_view(), name="organisation-api-keys"),
    path("organisation/api-keys/<int:key_id>/", api_organisation.OrganisationApiKeyApi.as_view(),
         name="organisation-api-key"),
    path("market/", insights_api.MarketApi.as_view(), name="market"),
    *marketplace_api,
    *inspections_api,
    *payments_api,
    *transparency_api,
    *integrations_api,
]

urlpatterns = [
    # First: the API answers most requests (every bid), and no page's pattern matches under /api/v1/.
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("", core_views.SellerLandingView.as_view(), name="home"),
    path("dealers/", core_views.DealerLandingView.as_view(), name="dealers"),
    path("healthz", core_views.healthz, name="healthz"),
    path("livez", core_views.livez, name="livez"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("notifications/", core_views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", core_views.NotificationReadView.as_view(), name="notifications_read"),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("notifications/preferences/", core_views.NotificationPreferencesView.as_view(),
         name="notifications_preferences"),
    path("accounts/data/", include("privacy.urls")),
    path("accounts/", include("accounts.urls")),
    path("sell/", include("marketplace.urls")),
    path("auctions/", include("auctions.urls")),
    path("inspect/", include("inspections.urls")),
    path("cars/<int:listing_id>/report/", inspections_views.ReportView.as_view(), name="inspection_report"),
    path("sales/", include("payments.urls")),
    path("integrations/", include("integrations.urls")),
    path("rules/fees/", payments_views.FeeRulesView.as_view(), name="rules-fees"),
    # The public figures at /transparency/ itself, the public log under it (/transparency/log/).
    path("transparency/", payments_views.TransparencyView.as_view(), name="transparency"),
    path("transparency/", include("transparency.urls")),
    path("", include("insights.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

if settings.GAVEL_SERVE_MEDIA:
    # Off when a proxy or object storage serves MEDIA_URL instead (with the same content types and nosniff).
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", core_views.media, name="media")]
