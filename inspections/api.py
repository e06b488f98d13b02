"""Inspection API. Thin: validate input, call a service or selector, serialize the result.

Visibility: an inspection (and its draft) is visible to its assigned inspector and to staff; anyone
else gets 404 (or 403 on the list for roles that have no inspections). A published report is
visible to the seller, staff, verified dealers and the assigned inspector. Published reports carry
their canonical `content`: anyone can recompute the SHA-256 fingerprint from it.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.models import User
from core.media import url_for
from core.parsers import FormParser, MultiPartParser
from core.throttling import UploadRateThrottle
from inspections import selectors, services
from inspections.models import Inspection


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


class InspectionPhotoUrlsOutputSerializer(serializers.Serializer):
    original = serializers.CharField()
    thumb = serializers.CharField()
    medium = serializers.CharField()
    large = serializers.CharField()


class InspectionPhotoOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target = serializers.CharField(help_text=_('"item:<checklist key>", "damage:<entry id>" or "odometer".'))
    sha256 = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    urls = serializers.SerializerMethodField()

    @extend_schema_field(InspectionPhotoUrlsOutputSerializer)
    def get_urls(self, photo) -> dict:
        request = self.context.get("request")
        return {name: _absolute(request, url_for(getattr(photo, name))) for name in ("original", "thumb", "medium",
                                                                                  "large")}


class InspectionListingOutputSerializer(serializers.Serializer):
    """The car as its inspector needs it: no reserve, no price, no seller contact."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    vin = serializers.CharField()
    registration_plate = serializers.CharField()
    make = serializers.CharField()
    model = serializers.CharField()
    variant = serializers.CharField()
    first_registration_year = serializers.IntegerField()
    mileage_km = serializers.IntegerField(allow_null=True)
    city = serializers.CharField()


class InspectionProgressOutputSerializer(serializers.Serializer):
    answered = serializers.IntegerField()
    # DRF's serializer metaclass takes declared fields off the class, so Field.required is untouched at run time;
    # the stubs cannot see the metaclass.
    required = serializers.IntegerField()  # type: ignore[assignment]


class InspectionCurrentReportOutputSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    fingerprint = serializers.CharField()
    grade = serializers.CharField()
    score = serializers.IntegerField()
    published_at = serializers.DateTimeField()


class InspectionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Inspection.Status.choices)
    listing = InspectionListingOutputSerializer()
    inspector_id = serializers.IntegerField(allow_null=True)
    region = serializers.CharField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    place = serializers.CharField()
    checklist_version = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    current_report = serializers.SerializerMethodField()

    @extend_schema_field(InspectionCurrentReportOutputSerializer(allow_null=True))
    def get_current_report(self, inspection):
        current = selectors.report_current_for_listing(listing_id=inspection.listing_id)
        if current is None or current.inspection_id != inspection.pk:
            return None
        return InspectionCurrentReportOutputSerializer(current).data


class InspectionDetailOutputSerializer(InspectionOutputSerializer):
    draft = serializers.JSONField(help_text=_("The draft report: items, facts, damage (see PUT …/report/)."))
    progress = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    @extend_schema_field(InspectionProgressOutputSerializer)
    def get_progress(self, inspection) -> dict:
        answered, required = selectors.inspection_progress(inspection=inspection)
        return {"answered": answered, "required": required}

    @extend_schema_field(InspectionPhotoOutputSerializer(many=True))
    def get_photos(self, inspection) -> list:
        photos = inspection.photos.filter(detached_at__isnull=True)
        # many=True makes a ListSerializer, whose data is a list; the stubs type the call as the item serializer.
        return InspectionPhotoOutputSerializer(photos, many=True, context=self.context).data  # type: ignore[return-value]


class InspectionReportInputSerializer(serializers.Serializer):
    items = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text=_('Checklist key -> {"status": "ok"|"minor"|"major"|"na", "note": "…"} for condition items, '
                  '{"value": "4.5"} for measures (a string or integer, never a float). Only the given items change; '
                  'a null status clears an answer.'))
    facts = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text=_("odometer_km (int), vin_on_car (str), accident, flood, fire (bool); only the given facts change."))
    damage = serializers.ListField(
        child=serializers.JSONField(), required=False,
        help_text=_('Replaces the damage map: [{"id"?, "panel", "type": scratch|dent|crack|rust|repaint, '
                  '"severity": minor|major, "note"}].'))


class InspectionPhotoInputSerializer(serializers.Serializer):
    target = serializers.CharField(max_length=120)
    photo = serializers.FileField(help_text=_("One JPEG, PNG or WebP image; the listing photo rules apply."))


class PublishedReportFindingOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, as `required` above
    category = serializers.CharField()
    status = serializers.CharField()
    note = serializers.CharField()
    value = serializers.CharField(allow_null=True)
    photos = InspectionPhotoOutputSerializer(many=True)


class PublishedReportDamageOutputSerializer(serializers.Serializer):
    panel = serializers.CharField()
    panel_label = serializers.CharField()
    type = serializers.CharField()
    severity = serializers.CharField()
    note = serializers.CharField()
    photos = InspectionPhotoOutputSerializer(many=True)


class PublishedReportOutputSerializer(serializers.Serializer):
    """The dealer-facing report. Never a reserve, a price or the seller's identity."""

    listing_id = serializers.IntegerField()
    revision = serializers.IntegerField()
    fingerprint = serializers.CharField(help_text=_("SHA-256 of the canonical JSON of `content` (sorted keys, "
                                                  "separators ',' and ':', UTF-8)."))
    published_at = serializers.DateTimeField()
    is_current = serializers.BooleanField()
    grade = serializers.CharField()
    score = serializers.IntegerField()
    formula_version = serializers.CharField()
    checklist_version = serializers.CharField()
    explanation = serializers.JSONField()
    findings = PublishedReportFindingOutputSerializer(many=True)
    damage = PublishedReportDamageOutputSerializer(many=True)
    odometer_photos = InspectionPhotoOutputSerializer(many=True)
    content = serializers.JSONField()


def _published_payload(report, request) -> dict:
    view = selectors.report_view(report=report)
    return PublishedReportOutputSerializer({
        "listing_id": report.listing_id, "revision": report.revision, "fingerprint": report.fingerprint,
        "published_at": report.published_at, "is_current": report.is_current, "grade": report.grade,
        "score": report.score, "formula_version": report.formula_version,
        "checklist_version": report.checklist_version, "explanation": view["result"]["explanation"],
        "findings": view["findings"], "damage": view["damage"], "odometer_photos": view["odometer_photos"],
        "content": report.content,
    }, context={"request": request}).data


class _InspectionObjectApi(APIView):
    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest

    def get_inspection(self, inspection_id) -> Inspection:
        inspection = selectors.inspection_get_for(user=self.request.user, inspection_id=inspection_id)
        if inspection is None:
            raise NotFound()
        return inspection

    def detail(self, inspection_id):
        inspection = self.get_inspection(inspection_id)
        return Response(InspectionDetailOutputSerializer(inspection, context={"request": self.request}).data)


class InspectionListApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = InspectionOutputSerializer

    @extend_schema(responses={200: InspectionOutputSerializer(many=True)})
    def get(self, request):
        if not (request.user.is_staff_member or request.user.role == User.Role.INSPECTOR):
            raise PermissionDenied(gettext("Only inspectors and staff have inspections."))
        page = self.paginate_queryset(selectors.inspection_list_for(user=request.user))
        return self.get_paginated_response(InspectionOutputSerializer(page, many=True,
                                                                      context={"request": request}).data)


class InspectionDetailApi(_InspectionObjectApi):
    @extend_schema(responses={200: InspectionDetailOutputSerializer})
    def get(self, request, inspection_id):
        return self.detail(inspection_id)


class InspectionReportApi(_InspectionObjectApi):
    @extend_schema(request=InspectionReportInputSerializer, responses={200: InspectionDetailOutputSerializer})
    def put(self, request, inspection_id):
        inspection = self.get_inspection(inspection_id)
        data = InspectionReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.inspection_report_save(inspection=inspection, actor=request.user,
                                        items=data.validated_data.get("items"),
                                        facts=data.validated_data.get("facts"),
                                        damage=data.validated_data.get("damage"))
        return self.detail(inspection_id)


class InspectionPhotosApi(_InspectionObjectApi):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UploadRateThrottle]

    @extend_schema(request={"multipart/form-data": InspectionPhotoInputSerializer},
                   responses={201: InspectionPhotoOutputSerializer})
    def post(self, request, inspection_id):
        inspection = self.get_inspection(inspection_id)
        data = InspectionPhotoInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.inspection_photo_add(inspection=inspection, actor=request.user,
                                              target=data.validated_data["target"],
                                              upload=data.validated_data["photo"])
        return Response(InspectionPhotoOutputSerializer(photo, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class InspectionPublishApi(_InspectionObjectApi):
    @extend_schema(request=None, responses={200: PublishedReportOutputSerializer})
    def post(self, request, inspection_id):
        inspection = self.get_inspection(inspection_id)
        published = services.inspection_publish(inspection=inspection, actor=request.user)
        return Response(_published_payload(published, request))


class ListingReportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PublishedReportOutputSerializer})
    def get(self, request, listing_id):
        published = selectors.report_get_visible(user=request.user, listing_id=listing_id)
        if published is None:
            raise NotFound()
        return Response(_published_payload(published, request))
