"""Putting worker stages on RQ queues. RQ jobs carry the job id only; the row is the truth.

The prepare stage (downloads) runs on its own queue, `fetch`, so that slow or hostile inputs
never hold a worker of the `gpu` queue, which only renders. A job's prepare message has a fixed
RQ id (`prepare-<job id>`), so the reaper can tell a queued job whose message Redis lost."""

import django_rq
from django.conf import settings
from rq.job import Job as RqJob
from rq.job import JobStatus

GPU_QUEUE = "gpu"
FETCH_QUEUE = "fetch"
_WAITING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def prepare_message_id(job_id) -> str:
    return f"prepare-{job_id}"


def enqueue_prepare(job_id) -> None:
    """Fetch, probe, price and hold: bounded by the download timeouts, not the job's length."""
    django_rq.get_queue(FETCH_QUEUE).enqueue(
        "generation.worker.tasks.job_prepare", str(job_id),
        job_id=prepare_message_id(job_id),
        job_timeout=settings.LIPSYNC_PREPARE_TIMEOUT_SECONDS, result_ttl=3600,
    )


def prepare_is_waiting(job_id) -> bool:
    """Whether Redis still has this job's prepare message queued or running."""
    connection = django_rq.get_connection(FETCH_QUEUE)
    try:
        message = RqJob.fetch(prepare_message_id(job_id), connection=connection)
    except Exception:  # noqa: BLE001 - rq raises NoSuchJobError, or fails to load a damaged hash
        return False
    return message.get_status(refresh=False) in _WAITING


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
