"""Reads for the studio, the job history and the dashboard."""

from django.conf import settings
from django.db.models import QuerySet

from billing.pricing import credits_per_second
from generation.models import Job
from generation.selectors import job_get_owned, job_list

RECENT_JOBS = 5


def studio_job_get_owned(*, owner, job_id) -> Job:
    """The owner's job or 404 (another account's job looks exactly like a missing one)."""
    return job_get_owned(owner=owner, job_id=job_id)


def studio_job_history(*, owner, status: str | None = None,
                       mode: str | None = None) -> QuerySet[Job]:
    return job_list(owner=owner, status=status or None, model=mode or None)


def recent_jobs(*, owner, limit: int = RECENT_JOBS) -> list[Job]:
    return list(job_list(owner=owner)[:limit])


def studio_pricing() -> dict:
    """The operator's pricing, for the price the studio shows before a job is submitted; the
    worker prices the job with billing.pricing from the same settings."""
    return {
        "perSecond": {resolution: credits_per_second(resolution=resolution)
                      for resolution in ("480p", "720p")},
        "minSeconds": settings.LIPSYNC_MIN_BILLED_SECONDS,
        "maxSeconds": settings.LIPSYNC_MAX_JOB_SECONDS,
    }
