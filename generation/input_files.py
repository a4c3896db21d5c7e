"""Inputs of a job: fetched from their URLs (or taken from the owner's uploads) into storage
during the prepare stage, made local for the render stage, and deleted when the job ends."""

import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from generation.inputs.errors import InputError
from generation.inputs.safe_fetch import fetch_to_file
from generation.models import Upload
from generation.serializers import MEDIA_FIELDS

KIND_PHRASES = {"image": "an image", "audio": "an audio file", "video": "a video"}
_UPLOAD_PATH = re.compile(r"^/api/v1/uploads/([0-9a-fA-F-]{36})/?$")


def upload_url(upload: Upload) -> str:
    return f"{settings.SITE_URL}/api/v1/uploads/{upload.id}"


def upload_id_from_url(url: str) -> UUID | None:
    """The upload id when `url` is one of this site's upload URLs, else None."""
    site, parts = urlsplit(settings.SITE_URL), urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None
    match = _UPLOAD_PATH.match(parts.path)
    return UUID(match.group(1)) if match else None


def media_fields(form_state: dict) -> dict[str, str]:
    """{formState field: URL} for the inputs this job has."""
    return {name: form_state[name] for name in MEDIA_FIELDS if form_state.get(name)}


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
            url, work_dir / name, field=field, kind=_fetch_kind(name),
            allow_private=settings.LIPSYNC_ALLOW_PRIVATE_URLS,
            total_timeout=settings.LIPSYNC_FETCH_TOTAL_TIMEOUT_SECONDS,
        ).path
        with local.open("rb") as handle:
            stored = default_storage.save(f"jobs/{job.id}/{name}", File(handle))
        files[name] = {"name": stored, "owned": True}
    return files


def _fetch_kind(name: str) -> str:
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
