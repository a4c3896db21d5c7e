from django.shortcuts import get_object_or_404

from generation.models import Job, Status, Upload
from generation.outputs import output_url

PUBLIC_STATUS_FILTERS = {
    "processing": [Status.QUEUED, Status.RUNNING],
    "completed": [Status.COMPLETED],
    "failed": [Status.FAILED],
}


def job_get_owned(*, owner, job_id) -> Job:
    """The owner's job, or 404: another account's job looks exactly like a missing one."""
    return get_object_or_404(Job, owner=owner, pk=job_id)


def job_list(*, owner, status: str | None = None, model: str | None = None):
    jobs = Job.objects.filter(owner=owner)
    if status:
        jobs = jobs.filter(status__in=PUBLIC_STATUS_FILTERS[status])
    if model:
        jobs = jobs.filter(model=model)
    return jobs


def upload_get_owned(*, owner, upload_id) -> Upload:
    return get_object_or_404(Upload, owner=owner, pk=upload_id)


def job_payload(job: Job) -> dict:
    """The contract's job object: the GET body and, byte for byte, the webhook body."""
    return {
        "id": str(job.id),
        "model": job.model,
        "status": job.public_status,
        "output": output_url(job) if job.status == Status.COMPLETED else None,
        "error": job.error,
        "executionTime": job.execution_ms,
        "timings": job.timings if job.is_finished else None,
        "progress": round(job.progress, 3),
        "credits": job.credits,
        "warnings": list(job.warnings),
        "createdAt": _iso(job.created_at),
        "completedAt": _iso(job.completed_at),
    }


def _iso(moment) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
