"""Everything under /api/v1/: each app contributes its own api_urls module."""

from django.urls import include, path

urlpatterns = [
    path("", include("apikeys.api_urls")),
    path("", include("billing.api_urls")),
    path("", include("generation.api_urls")),
]
