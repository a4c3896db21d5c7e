from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.models import Ledger
from billing.selectors import credit_balance_get
from generation.forms import (
    MEDIA_INPUTS,
    MODE_HELP,
    MODE_LABELS,
    STATUS_LABELS,
    JobHistoryFilterForm,
    StudioForm,
)
from generation.models import Job, Mode, Status
from generation.outputs import signature_is_valid
from generation.selectors import job_payload
from generation.studio_selectors import studio_job_get_owned, studio_job_history, studio_pricing
from generation.studio_services import job_output_delete

HISTORY_PAGE_SIZE = 20


@login_required
@require_GET
def studio(request):
    """Pick a mode, upload or paste inputs, see the price, submit, watch it run (studio.js)."""
    return render(request, "generation/studio.html", {
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
    job = studio_job_get_owned(owner=request.user, job_id=job_id)
    return render(request, "generation/job_detail.html", {
        "job": job, "payload": job_payload(job), "mode_label": MODE_LABELS[Mode(job.model)],
        "status_label": STATUS_LABELS[job.public_status],
    })


@login_required
@require_GET
def studio_history(request):
    filter_form = JobHistoryFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else {}
    page = Paginator(studio_job_history(owner=request.user, **filters), HISTORY_PAGE_SIZE
                     ).get_page(request.GET.get("page"))
    query = urlencode(filters)
    return render(request, "generation/job_history.html", {
        "filter_form": filter_form, "page": page, "query": query,
        "rows": [{"job": job, "mode_label": MODE_LABELS[Mode(job.model)],
                  "status": job.public_status, "status_label": STATUS_LABELS[job.public_status]}
                 for job in page],
    })


@login_required
@require_POST
def studio_output_delete(request, job_id):
    job = studio_job_get_owned(owner=request.user, job_id=job_id)
    if request.POST.get("confirm") != "yes":  # the box browsers require; checked here too
        messages.error(request, _("Nothing was deleted: tick the box to confirm that the video "
                                  "should be deleted for good."))
    elif job_output_delete(job=job):
        messages.success(request, _("The video was deleted. The job stays in your history."))
    else:
        messages.info(request, _("This job has no video to delete."))
    return redirect("generation:job", job.id)


def api_guide(request):
    return render(request, "generation/api_guide.html")


@require_GET
def output(request, job_id):
    """A finished video by its signed URL: no API key needed, but the URL expires."""
    if not signature_is_valid(job_id, request.GET.get("expires"), request.GET.get("signature")):
        raise Http404("This link is invalid or has expired.")
    job = Job.objects.filter(pk=job_id, status=Status.COMPLETED).exclude(output="").first()
    if job is None or not default_storage.exists(job.output):
        raise Http404("This video is no longer available.")
    try:
        default_storage.path(job.output)
    except NotImplementedError:  # S3-compatible storage: a short-lived presigned URL of its own
        return redirect(default_storage.url(job.output))
    response = FileResponse(default_storage.open(job.output, "rb"), content_type="video/mp4",
                            filename=f"lipsync-{job.id}.mp4")
    response["Cache-Control"] = "private, max-age=3600"
    return response
