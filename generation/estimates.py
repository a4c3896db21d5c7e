"""What a job will cost before it runs: POST /api/v1/estimate, and the price a submit can check
at once when every input it is billed on is an upload (whose length was measured on upload).

URL inputs are fetched and probed with the same safe fetcher and limits as a job's prepare stage
(media_intake); nothing is stored and nothing is held.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from billing.pricing import billed_seconds, charged_seconds, job_price
from billing.selectors import credit_balance_get
from generation.models import Mode, Upload
from generation.upload_urls import upload_id_from_url
from media_intake.errors import InputError
from media_intake.media import probe
from media_intake.safe_fetch import fetch_to_file

# The inputs whose lengths make the price, per mode.
BILLED_INPUTS = {
    Mode.VIDEO: ("audio", "video"),
    Mode.IMAGE: ("audio",),
    Mode.IMAGE_MULTI: ("left_audio", "right_audio"),
}


@dataclass(frozen=True)
class Estimate:
    model: str
    seconds: int  # billed seconds, the minimum applied
    credits: int
    available: int


def job_estimate(*, owner, ledger: str, model: str, form_state: dict) -> Estimate:
    """The price of this request; fetches URL inputs (slow: call outside transactions).
    Raises InputError for an input that cannot be used, JobTooLongError past the maximum."""
    with tempfile.TemporaryDirectory(prefix="lipsync-estimate-") as work:
        lengths = input_lengths(owner=owner, model=model, form_state=form_state,
                                work_dir=Path(work))
    seconds = _billed(model, form_state, lengths)
    return Estimate(model=model, seconds=charged_seconds(seconds),
                    credits=job_price(resolution=form_state["resolution"], seconds=seconds),
                    available=credit_balance_get(user=owner, ledger=ledger).available)


def known_price(*, owner, model: str, form_state: dict) -> int | None:
    """The price when every billed input is one of the owner's uploads, else None (the worker
    prices the job once it has measured the inputs)."""
    lengths = input_lengths(owner=owner, model=model, form_state=form_state, work_dir=None)
    if lengths is None:
        return None
    return job_price(resolution=form_state["resolution"],
                     seconds=_billed(model, form_state, lengths))


def input_lengths(*, owner, model: str, form_state: dict,
                  work_dir: Path | None) -> dict[str, float] | None:
    """{input: seconds} of the billed inputs. Without `work_dir` only uploads are measured and
    None means that some input is a URL (or an upload that is not the owner's)."""
    lengths = {}
    for name in BILLED_INPUTS[model]:
        field, url = f"formState.{name}", form_state[name]
        upload_id = upload_id_from_url(url)
        if upload_id is not None:
            lengths[name] = _upload_length(owner, upload_id, field, strict=work_dir is not None)
        elif work_dir is not None:
            lengths[name] = _fetched_length(url, work_dir / name, field, name)
        if lengths.get(name) is None:
            return None
    return lengths


def _upload_length(owner, upload_id, field: str, *, strict: bool) -> float | None:
    upload = Upload.objects.filter(pk=upload_id, owner=owner).first()
    duration = upload.info.get("duration_s") if upload is not None else None
    if duration is None and strict:
        raise InputError(field, f"{field} names an upload that does not exist, is not yours or "
                                "is not audio or video.", reason="not_found")
    return duration


def _fetched_length(url: str, dest: Path, field: str, name: str) -> float:
    kind = "audio" if name.endswith("audio") else name
    fetched = fetch_to_file(url, dest, field=field, kind=kind,
                            allow_private=settings.LIPSYNC_ALLOW_PRIVATE_URLS,
                            total_timeout=settings.LIPSYNC_FETCH_TOTAL_TIMEOUT_SECONDS)
    return float(probe(fetched.path, field=field, kind=kind).duration_s)


def _billed(model: str, form_state: dict, lengths: dict[str, float]) -> float:
    return billed_seconds(
        model=model, audio_seconds=lengths.get("audio"), video_seconds=lengths.get("video"),
        left_seconds=lengths.get("left_audio"), right_seconds=lengths.get("right_audio"),
        order=form_state.get("order", "meanwhile"),
    )
