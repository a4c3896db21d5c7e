"""Creating uploads: size checked from the request before reading, content probed after."""

import os
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.locks import user_lock
from billing.models import Ledger
from billing.selectors import credit_balance_get
from generation.errors import UploadNotAllowed
from generation.models import FINISHED, Job, Upload
from generation.selectors import upload_bytes_used
from generation.upload_urls import media_fields, upload_id_from_url
from media_intake.errors import InputError
from media_intake.limits import MAX_BYTES, describe_bytes
from media_intake.upload_checks import check_upload_size, check_uploaded_file, sniff_kind

LARGEST_UPLOAD = max(MAX_BYTES.values())


def upload_require_allowed(*, owner, size: int) -> None:
    """Raise UploadNotAllowed for an account without credits on either ledger, InputError
    ("too_large") when `size` more bytes would pass the account's upload quota."""
    if not any(credit_balance_get(user=owner, ledger=ledger).balance > 0
               for ledger in Ledger.values):
        raise UploadNotAllowed()
    quota = settings.LIPSYNC_UPLOAD_QUOTA_BYTES
    used = upload_bytes_used(owner=owner)
    if used + size > quota:
        raise InputError("file", f"This upload would pass your account's upload quota of "
                                 f"{describe_bytes(quota)} ({describe_bytes(used)} used); "
                                 "wait until old uploads expire.", reason="too_large")


def upload_create(*, owner, uploaded_file, kind: str | None) -> Upload:
    """Probe the file, then store it. Raises InputError (nothing stored) when it is unusable or
    over the account's quota, UploadNotAllowed when the account may not upload."""
    path = Path(_local_path(uploaded_file))
    kind = kind or sniff_kind(path)
    if kind is None:
        raise InputError("file", "file is not an image, audio or video file we can read.",
                         reason="unreadable")
    check_upload_size(uploaded_file.size, kind=kind)
    info = check_uploaded_file(path, kind=kind)
    with transaction.atomic(), path.open("rb") as handle:
        # The owner's row lock: two uploads at once cannot both pass the quota.
        user_lock(owner.pk)
        upload_require_allowed(owner=owner, size=uploaded_file.size)
        return Upload.objects.create(
            owner=owner, kind=kind, original_name=os.path.basename(uploaded_file.name)[:255],
            size=uploaded_file.size, info=_jsonable(asdict(info)),
            file=File(handle, name=f"{kind}{Path(uploaded_file.name).suffix.lower()[:8]}"),
        )


def _local_path(uploaded_file) -> str:
    # Large uploads are already on disk; small ones are in memory and are written out to probe.
    if hasattr(uploaded_file, "temporary_file_path"):
        return uploaded_file.temporary_file_path()
    import tempfile

    handle = tempfile.NamedTemporaryFile(prefix="lipsync-upload-", delete=False)
    with handle:
        for chunk in uploaded_file.chunks():
            handle.write(chunk)
    uploaded_file.cleanup_path = handle.name
    return handle.name


def upload_cleanup(uploaded_file) -> None:
    path = getattr(uploaded_file, "cleanup_path", None)
    if path:
        os.unlink(path)


def _jsonable(info: dict) -> dict:
    return {k: float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
            for k, v in info.items()}


def uploads_purge_expired() -> int:
    """Delete uploads older than LIPSYNC_UPLOAD_RETENTION_DAYS (file and row), except those a
    queued or running job still names; returns how many. Run daily by `purgeoutputs`."""
    cutoff = timezone.now() - timedelta(days=settings.LIPSYNC_UPLOAD_RETENTION_DAYS)
    in_use = _upload_ids_of_unfinished_jobs()
    purged = 0
    for upload in Upload.objects.filter(created_at__lt=cutoff).exclude(pk__in=in_use):
        default_storage.delete(upload.file.name)
        upload.delete()
        purged += 1
    return purged


def _upload_ids_of_unfinished_jobs() -> set:
    ids = set()
    for form_state in Job.objects.exclude(status__in=FINISHED).values_list("form_state",
                                                                          flat=True):
        for url in media_fields(form_state).values():
            upload_id = upload_id_from_url(url)
            if upload_id is not None:
                ids.add(upload_id)
    return ids
