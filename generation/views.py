"""Pages of the generation app: the API guide and the signed download of a finished video."""

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from generation.guide import guide_context
from generation.outputs import output_open, output_redirect_url, signature_is_valid
from generation.selectors import job_output_get


def api_guide(request):
    return render(request, "generation/api_guide.html", guide_context())


@require_GET
def output(request, job_id):
    """A finished video by its signed URL: no API key needed, but the URL expires."""
    if not signature_is_valid(job_id, request.GET.get("expires"), request.GET.get("signature")):
        raise Http404("This link is invalid or has expired.")
    job = job_output_get(job_id=job_id)
    if job is None:
        raise Http404("This video is no longer available.")
    remote_url = output_redirect_url(job.output)
    if remote_url is not None:  # S3-compatible storage: a short-lived presigned URL of its own
        return redirect(remote_url)
    response = FileResponse(output_open(job.output), content_type="video/mp4",
                            filename=f"lipsync-{job.id}.mp4")
    response["Cache-Control"] = "private, max-age=3600"
    return response
