from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lipsync_site.health import database_state, redis_state


@require_GET
def landing(request):
    return render(request, "landing.html")


@never_cache
@require_GET
def healthz(request):
    states = [database_state(), redis_state()]
    healthy = all(state.ok for state in states)
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({state.name: state.as_dict() for state in states})
    return JsonResponse(body, status=200 if healthy else 503)
