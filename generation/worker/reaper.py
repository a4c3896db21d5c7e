"""Crash recovery, run periodically by lipsync_site/cron.py.

- Jobs whose worker died (SIGKILL, lost machine) stop sending heartbeats
  (generation/worker/monitoring.py): they are queued again once, then failed. Either way their
  credit hold is released; the next attempt holds afresh.
- Queued jobs whose prepare message Redis lost (a flush, a failover) are queued again.
- Credits still held for finished jobs (a hold no path settled) are released, each one logged.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from generation import services
from generation.models import Job, Status
from generation.worker import queueing

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


def jobs_requeue_lost() -> int:
    """Queued jobs older than LIPSYNC_QUEUED_REQUEUE_SECONDS whose prepare message is not in
    Redis any more: queued again (a second message is harmless: workers claim the row)."""
    cutoff = timezone.now() - timedelta(seconds=settings.LIPSYNC_QUEUED_REQUEUE_SECONDS)
    requeued = 0
    for job_id in Job.objects.filter(status=Status.QUEUED, created_at__lt=cutoff) \
            .values_list("pk", flat=True).iterator():
        if not queueing.prepare_is_waiting(job_id):
            queueing.enqueue_prepare(job_id)
            requeued += 1
    return requeued


def jobs_recover() -> dict[str, int]:
    """Everything above, in one periodic run."""
    return {"stale": jobs_reap_stale(), "lost": jobs_requeue_lost(),
            "holds_released": services.job_holds_sweep()}
