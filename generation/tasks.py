"""RQ entry points. Each takes ids only and calls into the pipeline or services."""

from generation import pipeline, services


def job_prepare(job_id: str) -> None:
    pipeline.prepare(job_id=job_id)


def job_render(job_id: str) -> None:
    pipeline.render(job_id=job_id)


def reap_stale_jobs() -> int:
    return services.jobs_reap_stale()
