"""Auction API under /api/v1/auctions/. Thin: validate, call a selector or service, serialize by role.

Who sees what: staff everything; the car's seller their auction with every amount and the reserve;
dealers (verified or not) live, scheduled and closed auctions in the dealer shape — never a reserve,
a maximum but their own, or another dealer's identity. Anyone else gets 404.
"""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.capabilities import BID
from accounts.models import User
from accounts.organisations import dealer_acting_for
from auctions import bid_policy, selectors, services
from auctions.models import Auction, SavedSearch
from auctions.serializers import (
    AuctionDealerDetailOutputSerializer,
    AuctionDealerListOutputSerializer,
    AuctionSellerOutputSerializer,
    AuctionStaffOutputSerializer,
    BidDealerOutputSerializer,
    BidPlacedOutputSerializer,
    BidSellerOutputSerializer,
    BidStaffOutputSerializer,
)
from core.api import refusal_logged
from core.money import AMOUNT_MAX_MINOR
from marketplace.validators import MAX_MILEAGE_KM
from payments import services as payment_services
from transparency.serializers import BidReceiptOutputSerializer


class AuctionFilterInputSerializer(serializers.Serializer):
    tab = serializers.ChoiceField(choices=["all", "watchlist", "my_bids", "won"], required=False)
    status = serializers.ChoiceField(choices=[s for s in Auction.Status.values], required=False)
    make = serializers.CharField(max_length=60, required=False)
    model = serializers.CharField(max_length=80, required=False)
    year_min = serializers.IntegerField(min_value=1900, max_value=2100, required=False)
    year_max = serializers.IntegerField(min_value=1900, max_value=2100, required=False)
    mileage_max = serializers.IntegerField(min_value=0, max_value=MAX_MILEAGE_KM, required=False)
    price_min = serializers.IntegerField(min_value=0, max_value=AMOUNT_MAX_MINOR, required=False,
                                         help_text=_("Minor units."))
    price_max = serializers.IntegerField(min_value=0, max_value=AMOUNT_MAX_MINOR, required=False,
                                         help_text=_("Minor units."))
    grade = serializers.CharField(max_length=20, required=False,
                                  help_text=_("The published inspection grade (once inspections publish grades)."))
    location = serializers.CharField(max_length=100, required=False,
                                     help_text=_("One or more regions, comma-separated, any of which matches: a city, "
                                               "or a postcode area (the start of a postcode)."))
    sort = serializers.ChoiceField(choices=list(selectors.SORTS), required=False)


class BidInputSerializer(serializers.Serializer):
    amount_minor = serializers.IntegerField(required=False, min_value=1, max_value=AMOUNT_MAX_MINOR,
                                            help_text=_("A direct bid, minor units."))
    max_amount_minor = serializers.IntegerField(required=False, min_value=1, max_value=AMOUNT_MAX_MINOR,
                                                help_text=_("A maximum: Gavel bids for you up to it."))

    def validate(self, data):
        if ("amount_minor" in data) == ("max_amount_minor" in data):
            raise serializers.ValidationError({"amount_minor": [_("Give either amount_minor or max_amount_minor.")]})
        return data


class DecisionInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField()


def _serializer_for(user: User, *, detail: bool = False):
    if user.is_staff_member:
        return AuctionStaffOutputSerializer
    if user.role == User.Role.SELLER:
        return AuctionSellerOutputSerializer
    return AuctionDealerDetailOutputSerializer if detail else AuctionDealerListOutputSerializer


def _prepare(user: User, auctions):
    if user.role == User.Role.DEALER and not user.is_staff_member:
        # A member sees their organisation's state (leading, outbid, its maximum): the bids are its.
        selectors.dealer_view_prepare(auctions, dealer=dealer_acting_for(user))
    return auctions


def _get_auction(request, auction_id, *, detail_query: bool = False) -> Auction:
    qs = selectors.auction_list_visible_to(user=request.user)
    if detail_query:
        qs = qs.prefetch_related("listing__photos")
    auction = qs.filter(pk=auction_id).first()
    if auction is None:
        raise NotFound()
    return auction


def _auction_any(component_name: str, dealer_serializer, **kwargs):
    """Dealers, the seller and staff each get their own shape; `role` says which."""
    return PolymorphicProxySerializer(component_name=component_name, resource_type_field_name="role", serializers={
        "dealer": dealer_serializer, "seller": AuctionSellerOutputSerializer, "staff": AuctionStaffOutputSerializer,
    }, **kwargs)


class AuctionListApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(parameters=[AuctionFilterInputSerializer],
                   responses={200: _auction_any("AuctionListItemOutput", AuctionDealerListOutputSerializer, many=True)},
                   description=_("Live and upcoming auctions (dealers; tabs: watchlist, my_bids, won). The seller "
                               "sees their own cars' auctions, staff all; the shape depends on the role."))
    def get(self, request):
        filters = AuctionFilterInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.auction_list_filtered(user=request.user, filters=filters.validated_data)
        paginator = self.pagination_class()
        # DRF's pagination needs only len() and slices of IdsFirst (Django's Paginator); the stubs ask for a Sequence.
        page = _prepare(request.user, paginator.paginate_queryset(
            selectors.IdsFirst(qs), request, view=self))  # type: ignore[arg-type]
        data = _serializer_for(request.user)(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class AuctionDetailApi(APIView):
    @extend_schema(responses={200: _auction_any("AuctionDetailOutput", AuctionDealerDetailOutputSerializer)})
    def get(self, request, auction_id: int):
        auction = _get_auction(request, auction_id, detail_query=True)
        _prepare(request.user, [auction])
        return Response(_serializer_for(request.user, detail=True)(auction, context={"request": request}).data)


class AuctionBidsApi(APIView):
    pagination_class = PageNumberPagination
    organisation_capabilities = {"POST": BID}
    rate_limited_methods = ("POST",)  # by auctions.bid_policy, with the page's bid forms (documents the 429)

    @extend_schema(responses={200: BidDealerOutputSerializer(many=True)},
                   description=_("The bid history, newest first. Dealers see labels ('Dealer 3') and amounts; the "
                               "seller also the dealers' companies once the auction has closed; staff everything."))
    def get(self, request, auction_id: int):
        auction = _get_auction(request, auction_id)
        user = request.user
        labels = selectors.auction_labels(auction=auction)
        serializer: type[serializers.Serializer]
        if user.is_staff_member:
            bids, serializer = auction.bids.select_related("dealer__dealer_profile").order_by("-sequence"), \
                BidStaffOutputSerializer
        elif user.role == User.Role.SELLER:
            bids, serializer = selectors.auction_bids_visible(auction=auction).select_related(
                "dealer__dealer_profile"), BidSellerOutputSerializer
        else:
            bids, serializer = selectors.auction_bids_visible(auction=auction), BidDealerOutputSerializer
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(bids, request, view=self)
        context = {"labels": labels, "viewer_id": dealer_acting_for(user).pk,
                   "identities": selectors.auction_identities_visible(auction)}
        return paginator.get_paginated_response(serializer(page, many=True, context=context).data)

    @extend_schema(
        request=BidInputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description=_("Retry with the same key to get the first answer back."))],
        responses={201: BidPlacedOutputSerializer},
        description=_("Bid now (`amount_minor`) or set a maximum (`max_amount_minor`). Refusals carry a code: "
                    "bid_too_low, already_leading, auction_not_live, auction_ended, own_listing, not_verified, "
                    "not_a_dealer, buying_limit_exceeded, idempotency_key_reused, throttled."))
    def post(self, request, auction_id: int):
        if request.user.role != User.Role.DEALER:
            _get_auction(request, auction_id)  # 404 for those who may not see it; bid_place refuses the rest
        # Dealers skip the annotated read: bid_place locks the auction and answers 404 if it is not theirs to see.
        data = BidInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = bid_policy.bid_submit_api(auction_id=auction_id, dealer=dealer_acting_for(request.user),
                                           placed_by=request.user, path=request.path,
                                           idempotency_key=request.headers.get("Idempotency-Key"),
                                           **data.validated_data)
        response = Response(answer.body, status=answer.status_code)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        if answer.status_code >= 400:  # a refusal replayed for an idempotent retry
            refusal_logged(response, request=request, code=answer.body.get("code", ""))
        return response


class AuctionWatchApi(APIView):
    @extend_schema(request=None, responses={201: inline_serializer("AuctionWatchOutput", {
        "auction_id": serializers.IntegerField(), "watching": serializers.BooleanField()})})
    def post(self, request, auction_id: int):
        auction = _get_auction(request, auction_id)
        services.watch_add(auction=auction, dealer=request.user)
        return Response({"auction_id": auction.pk, "watching": True}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, auction_id: int):
        auction = _get_auction(request, auction_id)
        services.watch_remove(auction=auction, dealer=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuctionRecordApi(APIView):
    @extend_schema(responses={
        200: OpenApiResponse(response=OpenApiTypes.BINARY, description=_(
            "The auction's verifiable record (gavel-auction-export, docs/transparency.md): canonical JSON and one "
            "newline, with the opening of the sealed reserve. Check it with `gavel-verify`.")),
        403: OpenApiResponse(description=_("Only the car's seller and the auction's bidders (permission_denied).")),
        404: OpenApiResponse(description=_("No such auction, or it has no record in the log (not_logged).")),
        409: OpenApiResponse(description=_("The auction has not closed yet (record_not_ready).")),
    })
    def get(self, request, auction_id: int):
        return record_download(services.auction_record_export(auction_id=auction_id, user=request.user),
                               auction_id=auction_id)


class AuctionReceiptsApi(APIView):
    @extend_schema(responses={200: BidReceiptOutputSerializer(many=True)},
                   description=_("The signed receipt of each of your own bids on this auction (empty for anyone "
                                 "else)."))
    def get(self, request, auction_id: int):
        _get_auction(request, auction_id)
        return Response(services.auction_receipts_for(auction_id=auction_id, dealer=dealer_acting_for(request.user)))


def record_download(body: bytes, *, auction_id: int) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="gavel-auction-{auction_id}.json"'
    return response


class AuctionDecisionApi(APIView):
    @extend_schema(request=DecisionInputSerializer, responses={200: AuctionSellerOutputSerializer})
    def post(self, request, auction_id: int):
        auction = _get_auction(request, auction_id)
        if auction.listing.seller_id != request.user.pk:
            raise PermissionDenied(_("Only the seller of this car may decide."))
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment_services.auction_decision_settle(auction_id=auction.pk, seller=request.user,
                                                 accept=data.validated_data["accept"])
        fresh = _get_auction(request, auction_id)
        return Response(AuctionSellerOutputSerializer(fresh, context={"request": request}).data)


class SavedSearchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    make = serializers.CharField()
    model = serializers.CharField()
    year_min = serializers.IntegerField(allow_null=True)
    year_max = serializers.IntegerField(allow_null=True)
    mileage_max = serializers.IntegerField(allow_null=True)
    price_min_minor = serializers.IntegerField(source="price_min", allow_null=True)
    price_max_minor = serializers.IntegerField(source="price_max", allow_null=True)
    grade = serializers.CharField()
    location = serializers.CharField(help_text=_("Regions, comma-separated, any of which matches: a city, or a postcode"
                                                 " "
                                               "area (the start of the postcode). Listings carry no coordinates: "
                                               "regions stand in for a radius."))
    alert_in_app = serializers.BooleanField()
    alert_email = serializers.ChoiceField(choices=SavedSearch.Email.choices)
    alert_webhook = serializers.BooleanField(help_text=_("Also send `saved_search.matched` to your webhook endpoints."))
    created_at = serializers.DateTimeField()


class SavedSearchInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    make = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    model = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    year_min = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100, default=None)
    year_max = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100, default=None)
    mileage_max = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_MILEAGE_KM,
                                           default=None)
    price_min_minor = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                               max_value=AMOUNT_MAX_MINOR, default=None)
    price_max_minor = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                               max_value=AMOUNT_MAX_MINOR, default=None)
    grade = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                     help_text=_("At most 10 regions, comma-separated: cities or postcode areas."))
    alert_in_app = serializers.BooleanField(required=False, default=True)
    alert_email = serializers.ChoiceField(choices=SavedSearch.Email.choices, required=False,
                                          default=SavedSearch.Email.OFF)
    alert_webhook = serializers.BooleanField(required=False, default=False)


class SavedSearchListApi(APIView):
    @extend_schema(responses={200: SavedSearchOutputSerializer(many=True)},
                   description=_("Your saved searches (dealers). A new auction that matches one is announced once when "
                               "it is scheduled and again when it goes live."))
    def get(self, request):
        if request.user.role != User.Role.DEALER:
            raise PermissionDenied(_("Only dealers save searches."))
        return Response(SavedSearchOutputSerializer(selectors.saved_search_list(dealer=request.user), many=True).data)

    @extend_schema(request=SavedSearchInputSerializer, responses={201: SavedSearchOutputSerializer})
    def post(self, request):
        if request.user.role != User.Role.DEALER:
            raise PermissionDenied(_("Only dealers save searches."))
        given = SavedSearchInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        alerts = {name: data.pop(name) for name in ("alert_in_app", "alert_email", "alert_webhook")}
        name = data.pop("name")
        data["price_min"], data["price_max"] = data.pop("price_min_minor"), data.pop("price_max_minor")
        search = services.saved_search_create(dealer=request.user, name=name, criteria=data, **alerts)
        return Response(SavedSearchOutputSerializer(search).data, status=status.HTTP_201_CREATED)


class SavedSearchDetailApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, saved_search_id: int):
        services.saved_search_delete(dealer=request.user, search_id=saved_search_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
