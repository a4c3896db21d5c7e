"""Reads of jobs and uploads; every lookup on behalf of a user is owner-scoped (404 otherwise)."""

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.core.files.storage import default_storage
from django.db.models import Sum
from django.shortcuts import get_object_or_404

from billing.models import EntryKind, LedgerEntry
from billing.selectors import job_ids_with_held_credits
from generation.models import FINISHED, Job, Status, Upload

RECENT_JOBS = 5

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


def job_list_recent(*, owner, limit: int = RECENT_JOBS) -> list[Job]:
    return list(job_list(owner=owner)[:limit])


def job_output_get(*, job_id) -> Job | None:
    """The completed job whose video is still in storage, or None (never had one, deleted or
    purged). No owner check: the caller has verified the output URL's signature."""
    job = Job.objects.filter(pk=job_id, status=Status.COMPLETED).exclude(output="").first()
    if job is None or not default_storage.exists(job.output):
        return None
    return job


def finished_job_ids_with_held_credits() -> list[str]:
    """Finished jobs that still hold credits: a path that ended them forgot the hold."""
    held = []
    for job_id in job_ids_with_held_credits():
        try:
            held.append(uuid.UUID(job_id))
        except ValueError:  # ledger entries of jobs from elsewhere (tests, imports)
            continue
    return [str(pk) for pk in Job.objects.filter(pk__in=held, status__in=FINISHED)
            .values_list("pk", flat=True)]


def running_jobs_count(*, owner_id) -> int:
    return Job.objects.filter(owner_id=owner_id, status=Status.RUNNING).count()


def upload_bytes_used(*, owner) -> int:
    return Upload.objects.filter(owner=owner).aggregate(total=Sum("size"))["total"] or 0
def usage_get(*, owner, ledger: str, start: date, end: date, group_by: str) -> list[dict]:
    """Credits spent (settled captures of `ledger`) and seconds rendered from `start` to `end`
    (dates, both included, UTC; none when `start` is after `end`), by day (days with usage)
    or by API key (its public key id; "" for jobs made in the browser or with a deleted key)."""
    captures = LedgerEntry.objects.filter(
        account__user=owner, account__ledger=ledger, kind=EntryKind.CAPTURE,
        created_at__gte=_utc_midnight(start), created_at__lt=_day_after(end),
    ).values_list("job_id", "amount", "created_at")
    jobs = {str(job.pk): job for job in Job.objects.filter(
        owner=owner, pk__in=[job_id for job_id, _, _ in captures]).select_related("api_key")}
    rows: dict = defaultdict(lambda: {"credits": 0, "seconds": 0.0, "jobs": 0})
    for job_id, amount, created_at in captures:
        job = jobs.get(job_id)
        row = rows[_usage_group(job, created_at, group_by)]
        row["credits"] += amount
        row["seconds"] += (job.output_duration or 0.0) if job else 0.0
        row["jobs"] += 1
    return [{group_by: group, **totals, "seconds": round(totals["seconds"], 3)}
            for group, totals in sorted(rows.items(), key=lambda item: str(item[0]))]


def _usage_group(job, created_at, group_by: str):
    if group_by == "day":
        return created_at.astimezone(UTC).date().isoformat()
    key = job.api_key if job else None
    return key.key_id if key else ""


def _day_after(day: date) -> datetime:
    return _utc_midnight(min(day, date.max - timedelta(1)) + timedelta(1))


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
