"""The two worker stages of a job.

prepare: claim the row, fetch and check the inputs, price the output, hold the credits, then
         queue the render stage with a timeout that scales with the output's length.
render:  run the engine on local copies of the inputs, store the MP4, capture the credits.

Any failure ends the job `failed` with one sentence naming the input and the problem, and
releases the hold (services.job_fail), so a failed job costs nothing.
"""

import logging
import secrets
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from rq.timeouts import JobTimeoutException

from billing.errors import InsufficientCreditsError, JobTooLongError
from billing.pricing import billed_seconds, job_price
from generation import services
from generation.failures import Failure, input_failure
from generation.models import Job, Mode, Status
from generation.outputs import output_storage_name
from generation.worker import job_inputs, queueing
from generation.worker.engine_worker import job_engine_name
from generation.worker.monitoring import (
    CancelCheck,
    ProgressReporter,
    StageTimer,
    fresh_connection,
    heartbeat,
)
from lipsync_engine import EngineCancelled, EngineInputError, EngineRequest, get_engine
from media_intake.errors import InputError
from media_intake.media import probe

log = logging.getLogger(__name__)

ENGINE_MODES = {Mode.VIDEO: "video", Mode.IMAGE: "image", Mode.IMAGE_MULTI: "multi"}
INTERNAL_ERROR = ("An internal error stopped this job; no credits were charged. Try again, and "
                  "contact support if it keeps happening.")
PREPARED_PROGRESS = 0.1
RENDERED_PROGRESS = 0.95


class Cancelled(Exception):
    pass


def prepare(*, job_id) -> None:
    fresh_connection()
    if not services.job_claim(job_id=job_id):
        return  # cancelled while queued, or another worker has it
    job = Job.objects.get(pk=job_id)
    job_inputs.delete_owned(job.input_files)  # left by an attempt whose worker died
    timer = StageTimer({"queue": _ms_between(job.created_at, job.started_at)})
    files: dict = {}
    with heartbeat(job_id), _fail_on_error(job_id, lambda: files), \
            job_inputs.work_directory() as work:
        with timer("download"):
            files.update(job_inputs.fetch_inputs(job, Path(work)))
            info = _probe_inputs(files, Path(work))
        _stop_if_cancelled(job_id)
        seconds = _billed_seconds(job, info)
        held = services.job_price_hold(
            job=job, price=job_price(resolution=job.form_state["resolution"], seconds=seconds),
            billed_seconds=seconds, input_files=files, media_info=info, timings=timer.ms,
            progress=PREPARED_PROGRESS,
        )
        if not held:  # cancelled (or failed by staff or the reaper) since the claim
            raise Cancelled()
        # The render's time limit follows the output, which lasts as long as the audio.
        queueing.enqueue_render(job_id, seconds=max(seconds, _output_seconds(info)))


def render(*, job_id) -> None:
    fresh_connection()
    job = Job.objects.get(pk=job_id)
    if job.status != Status.RUNNING:
        return
    timer = StageTimer(job.timings)
    with heartbeat(job_id), _fail_on_error(job_id, lambda: job.input_files), \
            job_inputs.work_directory() as work:
        _stop_if_cancelled(job_id)
        result = get_engine(job_engine_name()).render(_engine_request(job, Path(work)))
        _stop_if_cancelled(job_id)
        timer.ms.update(result.timings)
        with timer("upload"):
            stored = _store_output(job_id, result.output_path)
        completed = services.job_complete(
            job_id=job_id, output=stored, output_duration=result.duration_s, timings=timer.ms,
            warnings=list(job.warnings) + list(result.warnings), sync_report=result.sync,
        )
        if not completed:  # cancelled at the last moment: the output is not delivered
            default_storage.delete(stored)
            raise Cancelled()
        job_inputs.delete_owned(job.input_files)


def _probe_inputs(files: dict, work: Path) -> dict:
    paths = job_inputs.local_paths(files, work)
    info = {}
    for name, path in paths.items():
        media = probe(path, field=f"formState.{name}", kind=job_inputs.intake_kind(name))
        info[name] = {k: float(v) if isinstance(v, int | float) else v
                      for k, v in vars(media).items()}
    return info


def _billed_seconds(job: Job, info: dict) -> float:
    def duration(name):
        return info[name]["duration_s"] if name in info else None

    return billed_seconds(
        model=job.model, audio_seconds=duration("audio"), video_seconds=duration("video"),
        left_seconds=duration("left_audio"),
        right_seconds=duration("right_audio"), order=job.form_state.get("order", "meanwhile"),
    )


def _output_seconds(info: dict) -> float:
    return info.get("audio", {}).get("duration_s", 0.0)


def _engine_request(job: Job, work: Path) -> EngineRequest:
    paths = job_inputs.local_paths(job.input_files, work)
    state = job.form_state
    return EngineRequest(
        mode=ENGINE_MODES[job.model], video=paths.get("video"), image=paths.get("image"),
        audio=paths.get("audio"), left_audio=paths.get("left_audio"),
        right_audio=paths.get("right_audio"), mask_image=paths.get("mask_image"),
        resolution=int(state["resolution"].rstrip("p")), seed=_seed(state),
        prompt=state.get("prompt", ""), order=state.get("order", "meanwhile"),
        out_path=work / "output.mp4",
        progress=ProgressReporter(job.id, start=PREPARED_PROGRESS, end=RENDERED_PROGRESS),
        should_cancel=CancelCheck(job.id),
    )


def _seed(state: dict) -> int:
    seed = state.get("seed")
    return secrets.randbelow(2**31) if seed in (None, -1) else seed


def _store_output(job_id, path: Path) -> str:
    name = output_storage_name(job_id)
    default_storage.delete(name)  # a retried job overwrites its earlier attempt
    with path.open("rb") as handle:
        return default_storage.save(name, File(handle))


def _stop_if_cancelled(job_id) -> None:
    if services.job_cancel_requested(job_id=job_id):
        raise Cancelled()


def _ms_between(start, end) -> int:
    return max(0, int((end - start).total_seconds() * 1000))


@contextmanager
def _fail_on_error(job_id, owned_files):
    """Turn any failure of a stage into a failed job with one clear sentence and its code."""
    try:
        yield
    except (InputError, EngineInputError) as exc:
        _fail(job_id, str(exc), owned_files(), input_failure(exc.field, exc.reason))
    except InsufficientCreditsError as exc:
        _fail(job_id, str(exc), owned_files(), Failure("insufficient_credits"))
    except JobTooLongError as exc:
        _fail(job_id, f"{exc} Use shorter audio.", owned_files(),
              Failure("input_too_long", "audio"))
    except (Cancelled, EngineCancelled):
        _fail(job_id, services.CANCELLED_ERROR, owned_files(), Failure("cancelled"))
    except JobTimeoutException:
        _fail(job_id, "Rendering took longer than this job's time limit; no credits were "
                      "charged. Try a shorter clip or 480p.", owned_files(), Failure("timeout"))
    except Exception:
        log.exception("job %s failed with an internal error", job_id)
        _fail(job_id, INTERNAL_ERROR, owned_files(), Failure("internal"))


def _fail(job_id, error: str, files: dict, failure: Failure) -> None:
    services.job_fail(job_id=job_id, error=error, code=failure.code, input_name=failure.input)
    job_inputs.delete_owned(files)
