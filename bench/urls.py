"""The site's URLs plus GET /bench/bare: a DRF view with the API's authentication (API key,
IsAuthenticated) and nothing else (no throttle, no query, no serializer), so that the load test
can state the API's own overhead as a ratio. Only bench/load_settings.py routes here."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from lipsync_site.urls import urlpatterns as site_urlpatterns


class BareView(APIView):
    throttle_classes = []

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/bare", BareView.as_view()), *site_urlpatterns]
