"""Output files: where they are stored and the signed, expiring URLs that need no API key."""

import hmac
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

SALT = "generation.outputs"


def output_storage_name(job_id) -> str:
    return f"outputs/{job_id}.mp4"


def output_expiry():
    return timezone.now() + timedelta(days=settings.LIPSYNC_OUTPUT_RETENTION_DAYS)


def output_signature(job_id, expires: int) -> str:
    return salted_hmac(SALT, f"{job_id}:{expires}", algorithm="sha256").hexdigest()[:32]


def output_url(job) -> str | None:
    """Absolute, signed URL valid until the output's expiry; stable across polls."""
    if not job.output or job.output_expires_at is None:
        return None
    expires = int(job.output_expires_at.timestamp())
    path = reverse("generation:output", args=[job.id])
    signature = output_signature(job.id, expires)
    return f"{settings.SITE_URL}{path}?expires={expires}&signature={signature}"


def signature_is_valid(job_id, expires: str, signature: str) -> bool:
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        return False
    if expires_at < timezone.now().timestamp():
        return False
    return hmac.compare_digest(output_signature(job_id, expires_at), signature or "")


def output_redirect_url(name: str) -> str | None:
    """Where to send the browser when storage is not a local disk (S3: a presigned URL of its
    own); None when the file can be served from here."""
    try:
        default_storage.path(name)
    except NotImplementedError:
        return default_storage.url(name)
    return None


def output_open(name: str):
    return default_storage.open(name, "rb")
