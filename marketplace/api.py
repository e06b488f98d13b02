"""Sellers' listing API. Thin: validate input, call a service or selector, serialize the result.

Visibility: a seller sees their own listings, staff see all; anyone else gets 404. The reserve
exists only in ListingOwnerOutputSerializer, the serializer for the owner and staff.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from core.media import url_for
from core.parsers import FormParser, MultiPartParser
from core.throttling import UploadRateThrottle
from inspections import services as inspection_services
from marketplace import selectors, services, validators
from marketplace.models import Listing
from payments.selectors import seller_car_status, seller_car_statuses


class ListingPhotoUrlsOutputSerializer(serializers.Serializer):
    original = serializers.CharField()
    thumb = serializers.CharField()
    medium = serializers.CharField()
    large = serializers.CharField()


class ListingPhotoOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    is_cover = serializers.BooleanField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    content_type = serializers.CharField()
    size_bytes = serializers.IntegerField()
    urls = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(ListingPhotoUrlsOutputSerializer)
    def get_urls(self, photo) -> dict:
        request = self.context.get("request")
        urls = {}
        for variant in ("original", "thumb", "medium", "large"):
            url = url_for(getattr(photo, variant))
            urls[variant] = request.build_absolute_uri(url) if request is not None else url
        return urls


class ListingPublicOutputSerializer(serializers.Serializer):
    """The car as others may see it (later: dealers in an auction, inspectors on a job).
    No reserve, no asking price, no plate, no exact postcode, no seller identity."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Listing.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    vin = serializers.CharField()
    make = serializers.CharField()
    model = serializers.CharField()
    variant = serializers.CharField()
    first_registration_year = serializers.IntegerField()
    mileage_km = serializers.IntegerField(allow_null=True)
    fuel = serializers.CharField()
    transmission = serializers.CharField()
    body_type = serializers.CharField()
    colour = serializers.CharField()
    previous_owners = serializers.IntegerField(allow_null=True)
    service_history = serializers.BooleanField(allow_null=True)
    city = serializers.CharField()
    description = serializers.CharField()
    photos = ListingPhotoOutputSerializer(many=True)
    created_at = serializers.DateTimeField()


class ListingOwnerOutputSerializer(ListingPublicOutputSerializer):
    """The seller's (and staff's) view: everything, including the private reserve."""

    seller_id = serializers.IntegerField()
    registration_plate = serializers.CharField()
    postcode = serializers.CharField()
    currency = serializers.SerializerMethodField()
    reserve_minor = serializers.IntegerField(allow_null=True)
    asking_price_minor = serializers.IntegerField(allow_null=True)
    next_step = serializers.SerializerMethodField(
        help_text=_("Where the car stands and what happens next, as the seller reads it on every page."))
    rejection_reason = serializers.CharField()
    can_edit = serializers.BooleanField(source="is_editable")
    can_withdraw = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def get_currency(self, listing) -> str:
        return settings.GAVEL_CURRENCY

    def get_next_step(self, listing) -> str:
        statuses = self.context.get("seller_statuses") or {}
        status = statuses.get(listing.pk) or seller_car_status(listing=listing)
        return status.text


class ListingInputSerializer(serializers.Serializer):
    """Prices are integer minor units (cents). The services validate again and are the authority."""

    vin = serializers.CharField(max_length=40, validators=[validators.validate_vin])
    registration_plate = serializers.CharField(max_length=40, validators=[validators.validate_registration_plate])
    make = serializers.CharField(max_length=60)
    model = serializers.CharField(max_length=80)
    variant = serializers.CharField(max_length=120, required=False, allow_blank=True)
    first_registration_year = serializers.IntegerField(validators=[validators.validate_first_registration_year])
    mileage_km = serializers.IntegerField(required=False, allow_null=True, validators=[validators.validate_mileage_km])
    fuel = serializers.ChoiceField(choices=Listing.Fuel.choices, required=False, allow_blank=True)
    transmission = serializers.ChoiceField(choices=Listing.Transmission.choices, required=False, allow_blank=True)
    body_type = serializers.ChoiceField(choices=Listing.BodyType.choices, required=False, allow_blank=True)
    colour = serializers.CharField(max_length=40, required=False, allow_blank=True)
    previous_owners = serializers.IntegerField(required=False, allow_null=True,
                                               validators=[validators.validate_previous_owners])
    service_history = serializers.BooleanField(required=False, allow_null=True)
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    reserve_minor = serializers.IntegerField(required=False, allow_null=True,
                                             validators=[validators.validate_reserve_minor],
                                             help_text=_("The least you accept, in minor units; never shown to "
                                                         "dealers."))
    asking_price_minor = serializers.IntegerField(required=False, allow_null=True,
                                                  validators=[validators.validate_price_minor])

    def validate_postcode(self, value):
        if value:
            validators.validate_postcode(value)
        return value


class ListingPhotoUploadInputSerializer(serializers.Serializer):
    photo = serializers.FileField(required=False, help_text=_("One JPEG, PNG or WebP image (≤ 15 MB, ≤ 40 MP)."))
    photos = serializers.ListField(child=serializers.FileField(), required=False,
                                   help_text=_("Several images at once; all are stored or none."))


class ListingPhotoListOutputSerializer(serializers.Serializer):
    photos = ListingPhotoOutputSerializer(many=True)


class ListingPhotoOrderInputSerializer(serializers.Serializer):
    photo_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


def _owner_payload(listing: Listing, request) -> dict:
    return ListingOwnerOutputSerializer(listing, context={"request": request}).data


def _photos_payload(photos, request) -> dict:
    return ListingPhotoListOutputSerializer({"photos": photos}, context={"request": request}).data


class _ListingObjectApi(APIView):
    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest

    def get_listing(self, listing_id) -> Listing:
        listing = selectors.listing_get_visible_to(user=self.request.user, listing_id=listing_id)
        if listing is None:
            raise NotFound()
        return listing

    def reloaded(self, listing: Listing) -> Listing:
        return self.get_listing(listing.pk)


class ListingListCreateApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = ListingOwnerOutputSerializer

    @extend_schema(responses={200: ListingOwnerOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(selectors.listing_list_visible_to(user=request.user))
        assert page is not None  # pagination_class is set
        serializer = ListingOwnerOutputSerializer(page, many=True, context={
            "request": request, "seller_statuses": seller_car_statuses(listings=page)})
        return self.get_paginated_response(serializer.data)

    @extend_schema(request=ListingInputSerializer, responses={201: ListingOwnerOutputSerializer})
    def post(self, request):
        data = ListingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.listing_create(seller=request.user, **data.validated_data)
        listing = selectors.listing_get_visible_to(user=request.user, listing_id=created.pk)
        assert listing is not None  # its seller just made it
        return Response(_owner_payload(listing, request), status=status.HTTP_201_CREATED)


class ListingDetailApi(_ListingObjectApi):
    @extend_schema(responses={200: ListingOwnerOutputSerializer})
    def get(self, request, listing_id):
        return Response(_owner_payload(self.get_listing(listing_id), request))

    @extend_schema(request=ListingInputSerializer, responses={200: ListingOwnerOutputSerializer})
    def patch(self, request, listing_id):
        listing = self.get_listing(listing_id)
        data = ListingInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.listing_update(listing=listing, actor=request.user, **data.validated_data)
        return Response(_owner_payload(self.reloaded(listing), request))


class ListingSubmitApi(_ListingObjectApi):
    @extend_schema(request=None, responses={200: ListingOwnerOutputSerializer})
    def post(self, request, listing_id):
        listing = self.get_listing(listing_id)
        inspection_services.listing_submit_for_inspection(listing=listing, actor=request.user)
        return Response(_owner_payload(self.reloaded(listing), request))


class ListingWithdrawApi(_ListingObjectApi):
    class ListingWithdrawInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

    @extend_schema(request=ListingWithdrawInputSerializer, responses={200: ListingOwnerOutputSerializer})
    def post(self, request, listing_id):
        listing = self.get_listing(listing_id)
        data = self.ListingWithdrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspection_services.listing_withdraw_and_cancel_inspection(listing=listing, actor=request.user,
                                                                  reason=data.validated_data["reason"])
        return Response(_owner_payload(self.reloaded(listing), request))


class ListingPhotosApi(_ListingObjectApi):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UploadRateThrottle]

    @extend_schema(request={"multipart/form-data": ListingPhotoUploadInputSerializer},
                   responses={201: ListingPhotoListOutputSerializer})
    def post(self, request, listing_id):
        listing = self.get_listing(listing_id)
        uploads = request.FILES.getlist("photo") + request.FILES.getlist("photos")
        created = services.listing_photos_add(listing=listing, actor=request.user, uploads=uploads)
        return Response(_photos_payload(created, request), status=status.HTTP_201_CREATED)


class ListingPhotoOrderApi(_ListingObjectApi):
    @extend_schema(request=ListingPhotoOrderInputSerializer, responses={200: ListingPhotoListOutputSerializer})
    def post(self, request, listing_id):
        listing = self.get_listing(listing_id)
        data = ListingPhotoOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photos = services.listing_photos_reorder(listing=listing, actor=request.user,
                                                 photo_ids=data.validated_data["photo_ids"])
        return Response(_photos_payload(photos, request))


class _ListingPhotoObjectApi(_ListingObjectApi):
    def get_photo_id(self, listing: Listing, photo_id) -> int:
        photo = selectors.listing_photo_get(listing=listing, photo_id=photo_id)
        if photo is None:
            raise NotFound()
        return photo.pk


class ListingPhotoDetailApi(_ListingPhotoObjectApi):
    @extend_schema(responses={204: None})
    def delete(self, request, listing_id, photo_id):
        listing = self.get_listing(listing_id)
        services.listing_photo_delete(listing=listing, actor=request.user,
                                      photo_id=self.get_photo_id(listing, photo_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListingPhotoCoverApi(_ListingPhotoObjectApi):
    @extend_schema(request=None, responses={200: ListingPhotoListOutputSerializer})
    def post(self, request, listing_id, photo_id):
        listing = self.get_listing(listing_id)
        services.listing_photo_set_cover(listing=listing, actor=request.user,
                                         photo_id=self.get_photo_id(listing, photo_id))
        return Response(_photos_payload(self.reloaded(listing).photos.all(), request))
