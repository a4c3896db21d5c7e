"""Webhook bodies: the API's own rendering of the job object, so the bytes a receiver gets are
exactly what GET /api/v1/jobs/{id} returns at that moment."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from generation.models import Job, Mode, Status
from generation.outputs import output_storage_name
from generation.serializers import job_object


def job_body(job: Job) -> bytes:
    return render(job_object(job))


def render(payload: dict) -> bytes:
    # The renderer the API uses (settings.REST_FRAMEWORK), with no request context: the same
    # compact UTF-8 JSON a GET returns.
    return JSONRenderer().render(payload)


def sample_job_body() -> bytes:
    """A test event's body: a plausible completed job that exists nowhere (its id matches no
    job, and its output URL leads nowhere)."""
    now = timezone.now().replace(microsecond=0)
    job_id = uuid.uuid4()
    job = Job(
        id=job_id, model=Mode.IMAGE, status=Status.COMPLETED, progress=1.0, error="",
        credits=10, warnings=[], execution_ms=12345,
        timings={"queue": 120, "download": 800, "analysis": 900, "render": 9000, "encode": 1200,
                 "upload": 325},
        output=output_storage_name(job_id),
        output_expires_at=now + timedelta(days=settings.LIPSYNC_OUTPUT_RETENTION_DAYS),
        created_at=now - timedelta(seconds=13), completed_at=now,
    )
    return render(job_object(job))
