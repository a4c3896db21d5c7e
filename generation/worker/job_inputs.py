"""Inputs of a job: fetched from their URLs (or taken from the owner's uploads) into storage
during the prepare stage, made local for the render stage, and deleted when the job ends."""

import shutil
import tempfile
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from generation.models import Upload
from generation.serializers import MEDIA_FIELDS
from generation.upload_urls import media_fields, upload_id_from_url
from media_intake.errors import InputError
from media_intake.safe_fetch import fetch_to_file

KIND_PHRASES = {"image": "an image", "audio": "an audio file", "video": "a video"}


def fetch_inputs(job, work_dir: Path) -> dict[str, dict]:
    """Bring every input into storage; returns {field: {"name": storage name, "owned": bool}}.
    `owned` inputs were copied for this job and are deleted with it; uploads are not."""
    files: dict[str, dict] = {}
    for name, url in media_fields(job.form_state).items():
        field = f"formState.{name}"
        upload_id = upload_id_from_url(url)
        if upload_id is not None:
            files[name] = {"name": _owned_upload(job, upload_id, field, name).file.name,
                           "owned": False}
            continue
        local = fetch_to_file(
            url, work_dir / name, field=field, kind=intake_kind(name),
            allow_private=settings.LIPSYNC_ALLOW_PRIVATE_URLS,
            total_timeout=settings.LIPSYNC_FETCH_TOTAL_TIMEOUT_SECONDS,
        ).path
        with local.open("rb") as handle:
            stored = default_storage.save(f"jobs/{job.id}/{name}", File(handle))
        files[name] = {"name": stored, "owned": True}
    return files


def intake_kind(name: str) -> str:
    """The media_intake kind of a formState input (a mask is checked as a mask image)."""
    return "mask_image" if name == "mask_image" else MEDIA_FIELDS[name]


def _owned_upload(job, upload_id: UUID, field: str, name: str) -> Upload:
    upload = Upload.objects.filter(pk=upload_id, owner=job.owner).first()
    if upload is None:
        raise InputError(field, f"{field} names an upload that does not exist (or is not yours).",
                         reason="not_found")
    if upload.kind != MEDIA_FIELDS[name]:
        raise InputError(field, f"{field} names an upload of {KIND_PHRASES[upload.kind]}; it must "
                                f"be {KIND_PHRASES[MEDIA_FIELDS[name]]}.")
    return upload


def local_paths(files: dict[str, dict], work_dir: Path) -> dict[str, Path]:
    """Local paths of the stored inputs (copied down when storage is not a local disk)."""
    paths = {}
    for name, entry in files.items():
        try:
            paths[name] = Path(default_storage.path(entry["name"]))
        except NotImplementedError:  # remote storage such as S3
            target = work_dir / name
            with default_storage.open(entry["name"], "rb") as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            paths[name] = target
    return paths


def delete_owned(files: dict[str, dict]) -> None:
    for entry in files.values():
        if entry.get("owned"):
            default_storage.delete(entry["name"])


def work_directory():
    """A scratch directory for one stage, removed afterwards."""
    return tempfile.TemporaryDirectory(prefix="lipsync-job-")
