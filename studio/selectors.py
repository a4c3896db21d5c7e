"""Reads only the studio needs; job reads are generation.selectors'."""

from django.conf import settings

from billing.pricing import credits_per_second


def studio_pricing() -> dict:
    """The operator's pricing, for the price the studio shows before a job is submitted; the
    worker prices the job with billing.pricing from the same settings."""
    return {
        "perSecond": {resolution: credits_per_second(resolution=resolution)
                      for resolution in ("480p", "720p")},
        "minSeconds": settings.LIPSYNC_MIN_BILLED_SECONDS,
        "maxSeconds": settings.LIPSYNC_MAX_JOB_SECONDS,
    }
