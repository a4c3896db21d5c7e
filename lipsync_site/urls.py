import django_rq.urls
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from lipsync_site import views
from lipsync_site.admin_access import superuser_only
from studio import views as studio_views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("dashboard/", studio_views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The language switch (set_language) and the studio's JavaScript translations.
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("keys/", include("apikeys.urls")),
    path("billing/", include("billing.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("", include("studio.urls")),
    path("", include("generation.urls")),
    path("api/v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="openapi-schema"), name="api-redoc"),
    path("api/v1/", include("lipsync_site.api_urls")),
    # Last under /api/: every other path answers the contract's JSON 404 (DEBUG or not).
    re_path(r"^api/(?P<path>.*)$", views.api_not_found, name="api-not-found"),
    path("admin/django-rq/", include((superuser_only(django_rq.urls.urlpatterns), "django_rq"))),
    path("admin/", admin.site.urls),
]

handler404 = "lipsync_site.views.page_not_found"
handler500 = "lipsync_site.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
