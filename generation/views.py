from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from generation.models import Job, Status
from generation.outputs import signature_is_valid


@login_required
def studio(request):
    return render(request, "placeholder.html", {"title": "Studio"})


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
