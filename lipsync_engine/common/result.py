"""The finished render as the engines report it."""

from __future__ import annotations

import time

from ..base import EngineRequest, EngineResult
from .encode import FrameWriter
from .plan import Plan, measured_duration
from .sync import speakers_report, warning_for


def engine_result(request: EngineRequest, plan: Plan, warnings: list[str], report: dict,
                  timings: dict[str, int], engine_name: str) -> EngineResult:
    """The finished output, with the sync check's warning and the unused prompt's."""
    warnings = list(warnings)
    warning = warning_for(report, float(plan.fps))
    if warning:
        warnings.append(warning)
    if request.prompt.strip():
        warnings.append(f"prompt was accepted but is not used by this engine ({engine_name}).")
    return EngineResult(
        output_path=request.out_path,
        duration_s=measured_duration(request.out_path, plan.duration_s),
        width=plan.width, height=plan.height, fps=float(plan.fps),
        timings=timings, warnings=warnings, sync=report,
    )


def elapsed_ms(started: float) -> int:
    """Milliseconds since `started` (a time.perf_counter() value), for EngineResult.timings."""
    return round((time.perf_counter() - started) * 1000)


def closed_with_report(writer: FrameWriter, render_started: float, meters: list, speakers: list,
                       mode: str, fps: float) -> tuple[dict, int, int]:
    """Close the output (ffmpeg finishes the file) once every frame is written: (the sync
    report of `meters` against their `speakers`, render ms since `render_started`, encode ms)."""
    render_ms = elapsed_ms(render_started)
    started = time.perf_counter()
    writer.close()
    encode_ms = elapsed_ms(started)
    return speakers_report(meters, speakers, mode, fps), render_ms, encode_ms
