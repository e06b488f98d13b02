"""The public transparency log under /api/v1/transparency/: signed tree heads with the public keys, consistency
proofs between two heads, inclusion proofs for a leaf (a receipt's leaf_index). Anyone may read them."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from transparency import services
from transparency.serializers import (
    ConsistencyInputSerializer,
    ConsistencyProofOutputSerializer,
    HeadsInputSerializer,
    InclusionInputSerializer,
    InclusionProofOutputSerializer,
    TreeHeadsOutputSerializer,
)


class PublicApi(APIView):
    """Anyone, signed in or not: the log is public (no session, so no CSRF either)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []


class TreeHeadsApi(PublicApi):
    @extend_schema(parameters=[HeadsInputSerializer], responses={200: TreeHeadsOutputSerializer},
                   description=_("The latest signed tree heads (gavel-tree-heads), with every key that signed for "
                                 "the log and the consistency proof between each two heads; what `gavel-verify "
                                 "--heads` reads."))
    def get(self, request):
        data = HeadsInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response(services.heads_document_build(limit=data.validated_data["limit"]))


class ConsistencyProofApi(PublicApi):
    @extend_schema(parameters=[ConsistencyInputSerializer], responses={200: ConsistencyProofOutputSerializer},
                   description=_("The RFC 9162 consistency proof that the tree of `first` leaves is a prefix of "
                                 "the tree of `second` leaves (sizes up to the latest signed head; check it against "
                                 "signed roots)."))
    def get(self, request):
        data = ConsistencyInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response(services.consistency(**data.validated_data))


class InclusionProofApi(PublicApi):
    @extend_schema(parameters=[InclusionInputSerializer], responses={
        200: InclusionProofOutputSerializer,
        409: OpenApiResponse(description=_("No signed head holds this leaf yet (log_not_ready); ask again "
                                           "shortly."))},
        description=_("The entry at leaf `index` and its RFC 9162 audit path in a signed head."))
    def get(self, request):
        data = InclusionInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return Response(services.inclusion(**data.validated_data))
