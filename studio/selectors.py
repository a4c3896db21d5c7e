"""Reads only the studio needs; job reads are generation.selectors'."""

from django.conf import settings

from apikeys.selectors import api_keys_active_count
from billing.models import CreditAccount
from billing.pricing import credits_per_second
from generation.selectors import running_jobs_count, upload_bytes_used
from media_intake.limits import describe_bytes


def studio_pricing() -> dict:
    """The operator's pricing, for the price the studio shows before a job is submitted; the
    worker prices the job with billing.pricing from the same settings."""
    return {
        "perSecond": {resolution: credits_per_second(resolution=resolution)
                      for resolution in ("480p", "720p")},
        "minSeconds": settings.LIPSYNC_MIN_BILLED_SECONDS,
        "maxSeconds": settings.LIPSYNC_MAX_JOB_SECONDS,
    }


def account_limits(*, user) -> dict:
    """The operator's abuse limits and where this account stands, for the dashboard."""
    return {
        "running": running_jobs_count(owner_id=user.pk),
        "max_running": settings.LIPSYNC_MAX_CONCURRENT_JOBS,
        "keys": api_keys_active_count(owner=user),
        "max_keys": settings.LIPSYNC_MAX_API_KEYS,
        "uploads": describe_bytes(upload_bytes_used(owner=user)),
        "upload_quota": describe_bytes(settings.LIPSYNC_UPLOAD_QUOTA_BYTES),
        "upload_days": settings.LIPSYNC_UPLOAD_RETENTION_DAYS,
        "frozen": list(CreditAccount.objects.filter(user=user, frozen_at__isnull=False)),
    }

