"""Reads only the studio needs; job reads are generation.selectors'."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apikeys.selectors import api_keys_active_count
from billing.models import CreditAccount, Ledger
from billing.pricing import credits_per_second
from generation.selectors import running_jobs_count, upload_bytes_used, usage_get
from media_intake.limits import describe_bytes

CHART_DAYS = 30
CHART_WIDTH, CHART_HEIGHT = 600, 120


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

def api_usage_overview(*, owner) -> dict:
    """API usage of the last 30 days (UTC): per key, and per day as the bars of an SVG chart
    drawn by the dashboard's template (no JavaScript, nothing from a CDN)."""
    end = timezone.now().date()
    start = end - timedelta(days=CHART_DAYS - 1)
    by_day = {row["day"]: row for row in usage_get(owner=owner, ledger=Ledger.API, start=start,
                                                    end=end, group_by="day")}
    days = [start + timedelta(days=offset) for offset in range(CHART_DAYS)]
    credits = [by_day.get(day.isoformat(), {}).get("credits", 0) for day in days]
    return {
        "by_key": usage_get(owner=owner, ledger=Ledger.API, start=start, end=end,
                            group_by="key"),
        "bars": _bars(days, credits), "width": CHART_WIDTH, "height": CHART_HEIGHT,
        "total": sum(credits), "start": start, "end": end,
    }


def _bars(days, credits) -> list[dict]:
    step = CHART_WIDTH / len(days)
    top = max(credits) or 1
    bars = []
    for index, (day, amount) in enumerate(zip(days, credits, strict=True)):
        height = round(amount / top * (CHART_HEIGHT - 20), 1)
        bars.append({"x": round(index * step + 1, 1), "width": round(step - 2, 1),
                     "y": round(CHART_HEIGHT - height, 1), "height": height,
                     "day": day, "credits": amount})
    return bars
