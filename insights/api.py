"""The open market data as an API: `/api/v1/market/` answers JSON, or CSV with `?format=csv` (or Accept: text/csv).
Both are the method's own renderings (insights.market.market_json / market_csv): the page, the JSON and the CSV are
one aggregation, so every published row holds at least k sales (`GAVEL_MARKET_K`) whichever way it is read."""

import json

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from insights.market import market_csv, market_json
from insights.selectors import market_data


class _TextRenderer(BaseRenderer):
    """Passes the method's rendering through; anything else (an error body) goes out as JSON."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode("utf-8")
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class MarketJSONRenderer(_TextRenderer):
    media_type = "application/json"
    format = "json"


class MarketCSVRenderer(_TextRenderer):
    media_type = "text/csv"
    format = "csv"


class MarketCellOutputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["model-years-mileage", "model-years", "make-years", "make"],
                                    help_text=_("How coarse the row is: small groups are merged upwards."))
    make = serializers.CharField()
    model = serializers.CharField(help_text=_('"(others)" at the make levels.'))
    years = serializers.CharField(help_text=_('A band of registration years, e.g. "2018–2020", or "(others)".'))
    mileage = serializers.CharField(help_text=_('A mileage band, e.g. "50,000–99,999 km", or "(others)".'))
    sales = serializers.IntegerField(help_text=_("Sold auctions: at least k."))
    auctions = serializers.IntegerField(help_text=_("Sold and unsold auctions."))
    sell_through_percent = serializers.CharField(help_text=_("Sales ÷ auctions, one decimal, as a string."))
    hammer_median = serializers.CharField(help_text=_("Median hammer price in currency units, exact decimal string."))
    hammer_median_minor = serializers.IntegerField(help_text=_("The same in minor units (cents)."))
    currency = serializers.CharField()
    payouts = serializers.IntegerField(help_text=_("Sales already paid out to the seller."))
    days_to_payout_median = serializers.CharField(allow_null=True,
                                                  help_text=_("Median days from the close to the payout, one decimal; "
                                                              "null with fewer than k payouts."))


class MarketOutputSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="market-v1")
    k = serializers.IntegerField(help_text=_("Every published row has at least this many sales."))
    currency = serializers.CharField()
    year_band_years = serializers.IntegerField()
    mileage_band_km = serializers.IntegerField()
    mileage_top_km = serializers.IntegerField()
    auctions_total = serializers.IntegerField()
    sales_total = serializers.IntegerField()
    sales_published = serializers.IntegerField()
    sales_suppressed = serializers.IntegerField(help_text=_("Sales in groups too small at every level: not shown."))
    auctions_suppressed = serializers.IntegerField()
    cells = MarketCellOutputSerializer(many=True)


class MarketApi(APIView):
    """Open market data: closed auctions aggregated into rows of at least k sales (docs/methods.md)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    renderer_classes = [MarketJSONRenderer, MarketCSVRenderer]

    def perform_content_negotiation(self, request, force=False):
        # An unknown ?format= is refused in get() with a field message (400), not a bare 404/406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], required=False,
                                     description=_("json (the default) or csv; Accept: text/csv works too."))],
        responses={(200, "application/json"): MarketOutputSerializer,
                   (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=_("The same rows as CSV."))},
        auth=[])
    def get(self, request):
        requested = request.query_params.get("format")
        if requested is not None and requested not in ("json", "csv"):
            raise ValidationFailed(fields={"format": [gettext("Choose json or csv.")]})
        data = market_data()
        if request.accepted_renderer.format == "csv":
            return Response(market_csv(data), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'inline; filename="gavel-market.csv"'})
        return Response(market_json(data), content_type="application/json")
