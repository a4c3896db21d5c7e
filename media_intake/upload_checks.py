"""Checks for an uploaded file: the same byte caps and content probes as a fetched URL.

The uploads endpoint stores the file (Django storage) only after `check_uploaded_file` passes.
No Django import: the view passes the size, kind and limits in.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError
from .limits import KINDS, describe_bytes, max_bytes_for
from .media import MediaInfo, probe, probe_audio, probe_image, probe_video


def check_upload_size(size: int, *, kind: str, field: str = "file",
                      max_bytes: int | None = None) -> None:
    """Refuse early, from the declared size, before the body is read or stored."""
    cap = max_bytes if max_bytes is not None else max_bytes_for(kind)
    if size > cap:
        raise InputError(field, f"{field} is larger than the {describe_bytes(cap)} limit for "
                                f"{_kind_label(kind)}.", reason="too_large")
    if size == 0:
        raise InputError(field, f"{field} is empty.", reason="empty")


def check_uploaded_file(path: Path, *, kind: str, field: str = "file",
                        max_bytes: int | None = None) -> MediaInfo:
    """Check a file already on local disk as `kind`; return what the probe found.

    The size is taken from the disk, not from what the client declared.
    """
    if kind not in KINDS:
        raise InputError(field, f"{field} must be one of: {', '.join(KINDS)}.", reason="invalid")
    check_upload_size(Path(path).stat().st_size, kind=kind, field=field, max_bytes=max_bytes)
    return probe(Path(path), field=field, kind=kind)


def sniff_kind(path: Path) -> str | None:
    """"image", "video" or "audio" from the content alone, or None when it is none of them.

    For an upload whose client did not say what it is. A file with moving pictures is a video
    (even with sound); an audio-only container is audio.
    """
    for kind, check in (("image", probe_image), ("video", probe_video), ("audio", probe_audio)):
        try:
            check(Path(path), "file")
        except InputError as exc:
            if exc.reason in ("too_long", "too_large"):
                return kind  # it is that kind, just too big; the real check will say so
            continue
        return kind
    return None


def _kind_label(kind: str) -> str:
    return {"mask_image": "mask images", "audio": "audio"}.get(kind, f"{kind}s")
