"""RQ entry points (their dotted paths are what generation/worker/queueing.py and
lipsync_site/cron.py enqueue). Each takes ids only and calls into the stages or the reaper."""

from generation.worker import reaper, stages


def job_prepare(job_id: str) -> None:
    stages.prepare(job_id=job_id)


def job_render(job_id: str) -> None:
    stages.render(job_id=job_id)


def recover_jobs() -> dict[str, int]:
    """Dead workers, lost queue messages, holds of finished jobs (generation/worker/reaper.py)."""
    return reaper.jobs_recover()
