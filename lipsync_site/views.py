import logging

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lipsync_site.health import database_state, redis_state

log = logging.getLogger(__name__)


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
