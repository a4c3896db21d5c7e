import logging

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from rest_framework import exceptions

from lipsync_site.api_errors import error_body
from lipsync_site.health import database_state, redis_state

log = logging.getLogger(__name__)
API_PREFIX = "/api/"


@require_GET
def landing(request):
    return render(request, "landing.html")


@require_GET
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the page links to."""
    return redirect(static("favicon.ico"))


@never_cache
@require_GET
def healthz(request):
    states = [database_state(), redis_state()]
    healthy = all(state.ok for state in states)
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({state.name: state.word for state in states})
    for state in states:
        if not state.ok:
            log.warning("healthz: %s is down (%s)", state.name, state.detail)
    return JsonResponse(body, status=200 if healthy else 503)


@csrf_exempt
def api_not_found(request, path=""):
    """Any method on a path under /api/ that no endpoint serves (unknown paths, malformed ids):
    the contract's 404 body, also under DEBUG, where Django would list every URL pattern."""
    return _api_error(exceptions.NotFound(
        f"Nothing at {request.path}: check the URL (job and upload ids are UUIDs); "
        "the endpoints are listed at /api/docs/."))


def page_not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return _api_error(exceptions.APIException("An internal error occurred; try again."))
    return defaults.server_error(request)


def _api_error(exc: exceptions.APIException) -> JsonResponse:
    return JsonResponse(error_body(exc), status=exc.status_code)
