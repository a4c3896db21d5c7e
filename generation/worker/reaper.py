"""Crash recovery: jobs whose worker died (SIGKILL, lost machine) stop sending heartbeats
(generation/worker/monitoring.py); the reaper, run periodically by lipsync_site/cron.py, queues
them again once, then fails them. Either way their credit hold is released."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from generation import services
from generation.models import Job, Status

CRASHED_ERROR = (
    "The worker processing this job stopped unexpectedly twice; no credits were charged. "
    "Submit it again, and contact support if it keeps happening."
)


def jobs_reap_stale() -> int:
    """Jobs with no heartbeat for LIPSYNC_HEARTBEAT_TIMEOUT_SECONDS: the first time they are
    queued again, the second time they fail. Returns how many were taken back."""
    cutoff = timezone.now() - timedelta(seconds=settings.LIPSYNC_HEARTBEAT_TIMEOUT_SECONDS)
    stale = Job.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff)
    reaped = 0
    for job in stale.only("id", "attempts"):
        if job.attempts < settings.LIPSYNC_JOB_MAX_ATTEMPTS:
            reaped += services.job_requeue_stale(job_id=job.id, stale_before=cutoff)
        else:
            reaped += services.job_fail(job_id=job.id, error=CRASHED_ERROR,
                                           code="worker_lost")
    return reaped
