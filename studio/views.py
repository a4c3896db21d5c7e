"""The signed-in user's pages: the dashboard, the studio, the job history and a job's page.

The studio submits through the public API from the browser (static/studio.js); these views
render pages and call generation's selectors and services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.models import Ledger
from billing.selectors import credit_balance_get
from generation import services
from generation.failures import failure_message
from generation.models import Mode, Status
from generation.selectors import job_get_owned, job_list, job_list_recent
from generation.serializers import job_object
from studio.forms import (
    MEDIA_INPUTS,
    MODE_HELP,
    MODE_LABELS,
    STATUS_LABELS,
    JobHistoryFilterForm,
    StudioForm,
)
from studio.selectors import account_limits, api_usage_overview, studio_pricing

HISTORY_PAGE_SIZE = 20


@login_required
@require_GET
def dashboard(request):
    """Home of a signed-in user: both balances, the latest jobs, the way to everything else."""
    balances = [{"ledger": ledger.value, "label": ledger.label,
                 "balance": credit_balance_get(user=request.user, ledger=ledger)}
                for ledger in Ledger]
    jobs = [_job_row(job) for job in job_list_recent(owner=request.user)]
    return render(request, "studio/dashboard.html", {
        "balances": balances, "recent_jobs": jobs, "limits": account_limits(user=request.user),
        "usage": api_usage_overview(owner=request.user),
    })


@login_required
@require_GET
def studio(request):
    """Pick a mode, upload or paste inputs, see the price, submit, watch it run (studio.js)."""
    return render(request, "studio/studio.html", {
        "form": StudioForm(),
        "modes": [{"value": mode.value, "label": MODE_LABELS[mode], "help": MODE_HELP[mode]}
                  for mode in Mode],
        "media_inputs": [{**item, "modes": " ".join(item["modes"])} for item in MEDIA_INPUTS],
        "pricing": studio_pricing(),
        "balance": credit_balance_get(user=request.user, ledger=Ledger.USER),
    })


@login_required
@require_GET
def studio_job(request, job_id):
    job = job_get_owned(owner=request.user, job_id=job_id)
    failure = failure_message(job) if job.status == Status.FAILED else ""
    return render(request, "studio/job_detail.html", {
        "job": job, "payload": {**job_object(job), "failureMessage": failure},
        "failure": failure, "mode_label": MODE_LABELS[Mode(job.model)],
        "status_label": STATUS_LABELS[job.public_status],
    })


@login_required
@require_GET
def studio_job_failure(request, job_id):
    """Why a job failed, in the reader's language (the studio asks once its job has failed)."""
    job = job_get_owned(owner=request.user, job_id=job_id)
    return JsonResponse({"message": failure_message(job) if job.status == Status.FAILED else ""})


@login_required
@require_GET
def studio_history(request):
    filter_form = JobHistoryFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else {}
    jobs = job_list(owner=request.user, status=filters.get("status"), model=filters.get("mode"))
    page = Paginator(jobs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "studio/job_history.html", {
        "filter_form": filter_form, "page": page, "query": urlencode(filters),
        "rows": [_job_row(job) for job in page],
    })


@login_required
@require_POST
def studio_output_delete(request, job_id):
    job = job_get_owned(owner=request.user, job_id=job_id)
    if request.POST.get("confirm") != "yes":  # the box browsers require; checked here too
        messages.error(request, _("Nothing was deleted: tick the box to confirm that the video "
                                  "should be deleted for good."))
    elif services.job_output_delete(job=job):
        messages.success(request, _("The video was deleted. The job stays in your history."))
    else:
        messages.info(request, _("This job has no video to delete."))
    return redirect("studio:job", job.id)


def _job_row(job) -> dict:
    return {"job": job, "mode_label": MODE_LABELS.get(job.model, job.model),
            "status": job.public_status, "status_label": STATUS_LABELS[job.public_status]}
