"""What the network engines (wav2lip, musetalk) share around their networks: their settings from
the environment, and the three-stage render of batches of face crops.

The render: a thread builds the inputs of batch k+1, the caller's thread runs the network on
batch k (torch releases the GIL; CUDA runs asynchronously), and an output thread waits for
batch k-1's faces, pastes them, applies the mask, runs the sync meters and pipes the frames to
ffmpeg, in frame order. An engine brings its batches, its network call and its paste.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..base import EngineError, EngineRequest, EngineResult, atomic_output
from .analysis import OnPlan, analysed_with_writer
from .encode import FrameWriter, check_cancel
from .ordered import OrderedWorker
from .result import closed_with_report, elapsed_ms, engine_result
from .speakers import ANALYSIS_SHARE
from .sync import LipMeter
from .threads import read_ahead

RENDER_END = 0.97  # of the progress bar, where the frames end and the encoder's close begins

# paste(frame, box, face, weights): blend one network face into the frame, in place; `weights`
# caches the feather per box size.
Paste = Callable[[np.ndarray, tuple, np.ndarray, dict], None]
# The batch's faces, waited for on the output thread (None when no frame of it shows a face).
Faces = Callable[[], np.ndarray | None]


class FaceBatch(Protocol):
    start: int  # first output frame
    stop: int  # one past the last
    items: list  # (frame index, speaker number, box) per network sample


def whole_number(name: str) -> int:
    """Environment variable `name` as a count of faces per batch (0 when unset)."""
    value = os.environ.get(name, "").strip()
    if value and not value.isdigit():
        raise EngineError(f"{name} must be a whole number of faces per batch, not {value!r}.")
    return int(value or 0)


def half_setting(half: bool | None, name: str) -> bool | None:
    """`half` when given, else environment variable `name` ("0", "false", "no": float32), else
    None (the device decides)."""
    if half is None and os.environ.get(name):
        half = os.environ[name] not in ("0", "false", "no")
    return half


def rendered(request: EngineRequest, name: str, analysis: Callable[[Path, OnPlan], Any],
             write: Callable[[Any, FrameWriter], tuple[dict, int, int]]) -> EngineResult:
    """A network engine's render: `analysis(work folder, on_plan)` returns what it found (an
    Analysed with `plan` and `warnings`; ffmpeg starts as soon as it calls on_plan), then
    `write(analysed, writer)` writes the frames (write_batches); the output appears only
    when complete."""
    timings: dict[str, int] = {}
    request.report_progress(0.0)
    request.check_cancelled()
    with atomic_output(request.out_path, f".{name}-") as (work, partial):
        started = time.perf_counter()
        analysed, writer = analysed_with_writer(
            request, partial, lambda on_plan: analysis(work, on_plan))
        timings["analysis"] = elapsed_ms(started)
        report, timings["render"], timings["encode"] = write(analysed, writer)
    request.report_progress(1.0)
    return engine_result(request, analysed.plan, analysed.warnings, report, timings, name)


def frames_per_batch(speakers: list, batch_size: int) -> int:
    """Output frames per batch when every frame shows each speaker once."""
    return max(1, batch_size // max(1, len(speakers)))


def first_box(boxes: list):
    """The first box that is not None (a face somewhere in the video), else None."""
    return next((box for box in boxes if box is not None), None)


def composed(prepared, batch: FaceBatch, faces: np.ndarray | None, paste: Paste,
             weights: dict) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(source, output) per frame of the batch: the faces pasted, then the mask applied.
    `prepared`: the engine's analysis (common.analysis.Analysed)."""
    by_frame: dict[int, list[int]] = {}
    for number, (index, _speaker, _box) in enumerate(batch.items):
        by_frame.setdefault(index, []).append(number)
    for index in range(batch.start, batch.stop):
        source, _ = prepared.source_frame(index)
        source = np.asarray(source)
        out = source.copy()
        for number in by_frame.get(index, ()):
            paste(out, batch.items[number][2], faces[number], weights)
        if prepared.mask is not None:
            out = np.where(prepared.mask[..., None], out, source)
        yield source, out


def write_batches(prepared, batches: Iterable[FaceBatch], predict: Callable[[FaceBatch], Faces],
                  paste: Paste, writer: FrameWriter, name: str) -> tuple[dict, int, int]:
    """Render every batch into `writer` (the three stages above): (sync report, render ms,
    encode ms). `prepared.speakers` each have `slot`, `meter_boxes` (the face oval's box per
    source frame; image modes: one), `envelope` and `active`; `predict(batch)` starts the
    network on a batch and returns how to wait for its faces."""
    request = prepared.request
    share = ANALYSIS_SHARE[request.mode]
    try:
        # A video without any face has nothing to measure (the report says so).
        metered = [(LipMeter(speaker.slot, first_box(speaker.meter_boxes)), speaker)
                   for speaker in prepared.speakers if first_box(speaker.meter_boxes) is not None]
        output = _output(prepared, writer, metered, paste, name)
    except BaseException:
        writer.abort()
        raise
    started = time.perf_counter()
    inputs = read_ahead(iter(batches), depth=2)
    try:
        for batch in inputs:
            check_cancel(request, writer)
            output.put(batch, predict(batch))
            request.report_progress(share + (RENDER_END - share) * batch.stop
                                    / prepared.frame_count)
        output.finish()
    except BaseException:
        inputs.close()
        output.stop()
        writer.abort()
        output.join()
        raise
    return closed_with_report(writer, started, [meter for meter, _ in metered],
                              [speaker for _, speaker in metered], request.mode,
                              float(prepared.plan.fps))


def _output(prepared, writer: FrameWriter, metered: list, paste: Paste,
            name: str) -> OrderedWorker:
    """A thread that waits for each batch's faces, composes its frames, runs the sync meters on
    them and pipes them into ffmpeg, in order."""
    weights: dict = {}

    def handle(batch: FaceBatch, faces: Faces) -> None:
        for index, (_source, frame) in zip(range(batch.start, batch.stop), composed(
                prepared, batch, faces(), paste, weights), strict=True):
            source_index = prepared.source_index(index)  # image modes: always 0
            for meter, speaker in metered:
                box = speaker.meter_boxes[source_index]
                if box is not None:
                    meter.box = box
                meter.measure(frame)
            writer.write(frame)

    return OrderedWorker(handle, f"{name}-output", depth=2)
