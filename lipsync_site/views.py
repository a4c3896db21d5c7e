import logging

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billing.models import Ledger
from billing.selectors import credit_balance_get
from generation.forms import MODE_LABELS, STATUS_LABELS
from generation.studio_selectors import recent_jobs
from lipsync_site.health import database_state, redis_state

log = logging.getLogger(__name__)


@require_GET
def landing(request):
    return render(request, "landing.html")


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


@login_required
@require_GET
def dashboard(request):
    """Home of a signed-in user: both balances, the latest jobs, the way to everything else."""
    balances = [{"ledger": ledger.value, "label": ledger.label,
                 "balance": credit_balance_get(user=request.user, ledger=ledger)}
                for ledger in Ledger]
    jobs = [{"job": job, "mode_label": MODE_LABELS.get(job.model, job.model),
             "status": job.public_status, "status_label": STATUS_LABELS[job.public_status]}
            for job in recent_jobs(owner=request.user)]
    return render(request, "dashboard.html", {"balances": balances, "recent_jobs": jobs})
