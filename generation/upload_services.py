"""Creating uploads: size checked from the request before reading, content probed after."""

import os
from dataclasses import asdict
from pathlib import Path

from django.core.files import File
from django.db import transaction

from generation.models import Upload
from media_intake.errors import InputError
from media_intake.limits import MAX_BYTES
from media_intake.upload_checks import check_upload_size, check_uploaded_file, sniff_kind

LARGEST_UPLOAD = max(MAX_BYTES.values())


def upload_create(*, owner, uploaded_file, kind: str | None) -> Upload:
    """Probe the file, then store it. Raises InputError (nothing stored) when it is unusable."""
    path = Path(_local_path(uploaded_file))
    kind = kind or sniff_kind(path)
    if kind is None:
        raise InputError("file", "file is not an image, audio or video file we can read.",
                         reason="unreadable")
    check_upload_size(uploaded_file.size, kind=kind)
    info = check_uploaded_file(path, kind=kind)
    with transaction.atomic(), path.open("rb") as handle:
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
