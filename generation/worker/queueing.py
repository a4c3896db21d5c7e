"""Putting worker stages on RQ queues. RQ jobs carry the job id only; the row is the truth."""

import django_rq
from django.conf import settings

GPU_QUEUE = "gpu"


def enqueue_prepare(job_id) -> None:
    """Fetch, probe, price and hold: bounded by the download timeouts, not the job's length."""
    django_rq.get_queue(GPU_QUEUE).enqueue(
        "generation.worker.tasks.job_prepare", str(job_id),
        job_timeout=settings.LIPSYNC_PREPARE_TIMEOUT_SECONDS, result_ttl=3600,
    )


def enqueue_render(job_id, *, seconds: float) -> None:
    """Render: its timeout scales with the output's length. At the front of the queue, since
    this job has already waited its turn once."""
    django_rq.get_queue(GPU_QUEUE).enqueue(
        "generation.worker.tasks.job_render", str(job_id),
        job_timeout=render_timeout(seconds), result_ttl=3600, at_front=True,
    )


def render_timeout(seconds: float) -> int:
    return int(settings.LIPSYNC_RENDER_TIMEOUT_BASE_SECONDS
               + settings.LIPSYNC_RENDER_TIMEOUT_PER_SECOND * seconds)
