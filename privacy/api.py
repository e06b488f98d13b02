from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from privacy.selectors import personal_data_export


class PersonalDataApi(APIView):
    """Everything Gavel holds about the signed-in person, as one JSON document (the page's download, the same
    document). Never a secret: no password hash, token, key digest or signing secret."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary=gettext_lazy("Download my data"))
    def get(self, request):
        response = Response(personal_data_export(user=request.user))
        response["Cache-Control"] = "no-store"
        return response
