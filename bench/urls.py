"""The benchmark's URL module: Gavel's own URLs plus the floor references. Mounted only by bench/wsgi.py and by the
bench process itself (never by config/, so never in production)."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as gavel_urlpatterns


class DrfFloorApi(APIView):
    """The DRF floor: the API's own authentication (token), permission and rendering, and one `SELECT 1`."""

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return Response({"ok": True}, status=201)


@csrf_exempt
def django_floor(request):
    """A plain Django view: the framework and Gavel's middleware, no DRF, no query."""
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [
    path("bench/floor/drf/", DrfFloorApi.as_view()),
    path("bench/floor/django/", django_floor),
    *gavel_urlpatterns,
]
