"""The "still" engine: an honest placeholder that writes a real MP4 of the contract's shape.

It does not move lips. Image modes show the image for the audio's length; video mode shows the
source video (played forward then backward when the audio is longer, cut when shorter) with the
new audio. Everything else is what every engine produces (common/plan.py). No Django.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from pathlib import Path

import av

from ..base import EngineInputError, EngineRequest, EngineResult, atomic_output
from ..common.ffmpeg import run_ffmpeg
from ..common.plan import (
    AUDIO_ARGS,
    FINAL_VIDEO_ARGS,
    IMAGE_FPS,
    Plan,
    analyse,
    audio_inputs,
    input_args,
    measured_duration,
    still_picture,
)

# Reversing buffers every frame of a chunk in memory: 4 s at 720p30 is ~170 MB.
REVERSE_CHUNK_SECONDS = 4
# Intermediate clips are re-encoded once more, so they are kept near-transparent.
INTERMEDIATE_VIDEO_ARGS = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "14",
                           "-pix_fmt", "yuv420p", "-bf", "0"]
# Progress reached at the end of analysis and of render; encode takes the rest.
_PROGRESS_AFTER = {"analysis": 0.05, "render": 0.15}


class StillEngine:
    name = "still"

    def render(self, request: EngineRequest) -> EngineResult:
        timings: dict[str, int] = {}
        request.report_progress(0.0)
        request.check_cancelled()
        out_path = request.out_path
        with atomic_output(out_path, ".still-") as (work, partial):
            with _stage(timings, "analysis"):
                plan = analyse(request)
            self._after_stage(request, "analysis")
            with _stage(timings, "render"):
                video_inputs, video_filter = _prepare_pictures(request, plan, work)
            self._after_stage(request, "render")
            with _stage(timings, "encode"):
                _encode(request, plan, video_inputs, video_filter, partial)
        request.report_progress(1.0)
        return EngineResult(
            output_path=out_path,
            duration_s=measured_duration(out_path, plan.duration_s),
            width=plan.width,
            height=plan.height,
            fps=float(plan.fps),
            timings=timings,
            warnings=_warnings(request),
            sync=None,
        )

    @staticmethod
    def _after_stage(request: EngineRequest, stage: str) -> None:
        request.report_progress(_PROGRESS_AFTER[stage])
        request.check_cancelled()


class _stage:
    """Times a block into timings[name] in milliseconds."""

    def __init__(self, timings: dict[str, int], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc_info) -> None:
        self.timings[self.name] = round((time.perf_counter() - self.started) * 1000)


# --- render: the pictures ---------------------------------------------------------------------


def _prepare_pictures(request: EngineRequest, plan: Plan, work: Path) -> tuple[list[str], str]:
    """ffmpeg input arguments for the pictures, and the filter that turns input 0 into [v]."""
    if request.mode != "video":
        frame = _prepare_still(request.image, plan, work / "frame.png")
        inputs = ["-loop", "1", "-framerate", str(IMAGE_FPS), *input_args(frame)]
        return inputs, f"[0:v]fps={IMAGE_FPS},format=yuv420p[v]"
    scale = _scale_filter(plan)
    if plan.duration_s <= plan.source_duration_s:
        return input_args(request.video), f"[0:v:0]{scale}[v]"
    playlist = _prepare_ping_pong(request, plan, work)
    inputs = ["-f", "concat", "-safe", "0", *input_args(playlist)]
    return inputs, f"[0:v:0]fps={plan.fps},format=yuv420p[v]"


def _prepare_still(image_path: Path, plan: Plan, target: Path) -> Path:
    """The image upright (EXIF), flattened on white, scaled to the output size, as PNG."""
    still_picture(image_path, plan).save(target)
    return target


def _scale_filter(plan: Plan) -> str:
    return (f"scale={plan.width}:{plan.height}:flags=lanczos,setsar=1,"
            f"fps={plan.fps},format=yuv420p")


def _prepare_ping_pong(request: EngineRequest, plan: Plan, work: Path) -> Path:
    """A concat playlist: the source forward, then backward, and so on, until the audio ends.

    The backward copy is built in chunks of a few seconds, so memory stays bounded whatever the
    video's length (ffmpeg's reverse filter holds every frame it reverses).
    """
    forward = work / "forward.mp4"
    gop = str(max(1, round(plan.fps)))  # a keyframe per second: chunk seeks decode little
    run_ffmpeg([*input_args(request.video), "-map", "0:v:0", "-an", "-sn", "-dn",
                "-vf", _scale_filter(plan), *INTERMEDIATE_VIDEO_ARGS, "-g", gop, str(forward)],
               what="ffmpeg (scaling the source video)", should_cancel=request.should_cancel)
    frames = _frame_count(forward)
    if frames == 0:
        raise EngineInputError("formState.video", "formState.video has no frames we can use.")
    backward = _reverse_in_chunks(request, forward, frames, plan.fps, work)
    forward_s = frames / plan.fps
    repeats = max(1, math.ceil(plan.duration_s / float(2 * forward_s)))
    playlist = work / "playlist.txt"
    lines = []
    for _ in range(repeats):
        lines.append(_concat_line(forward))
        lines.extend(_concat_line(chunk) for chunk in backward)
    playlist.write_text("\n".join(lines) + "\n")
    return playlist


def _reverse_in_chunks(
    request: EngineRequest, forward: Path, frames: int, fps: Fraction, work: Path
) -> list[Path]:
    """Clips that, played in order, show `forward` backwards."""
    per_chunk = max(1, round(fps * REVERSE_CHUNK_SECONDS))
    chunks = []
    end = frames
    while end > 0:
        start = max(0, end - per_chunk)
        chunk = work / f"backward-{len(chunks):04d}.mp4"
        # Times at half-frame offsets pick exactly frames start..end-1, whatever the rounding.
        first_s = Fraction(2 * start - 1, 2) / fps
        last_s = Fraction(2 * end - 1, 2) / fps
        seek_s = max(Fraction(0), first_s - 1)
        trim = (f"trim=start={float(first_s - seek_s):.6f}:end={float(last_s - seek_s):.6f},"
                "setpts=PTS-STARTPTS,reverse")
        run_ffmpeg(["-ss", f"{float(seek_s):.6f}", *input_args(forward), "-an", "-vf", trim,
                    *INTERMEDIATE_VIDEO_ARGS, str(chunk)],
                   what="ffmpeg (reversing the source video)", should_cancel=request.should_cancel)
        chunks.append(chunk)
        end = start
    return chunks


def _frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.frames:
            return stream.frames
        return sum(1 for packet in container.demux(stream) if packet.size)


def _concat_line(path: Path) -> str:
    escaped = str(path).replace("'", "'\\''")
    return f"file '{escaped}'"


# --- encode -----------------------------------------------------------------------------------


def _encode(request: EngineRequest, plan: Plan, video_inputs: list[str], video_filter: str,
            target: Path) -> None:
    audio_args, audio_graph = audio_inputs(request)
    graph = ";".join([video_filter, audio_graph])
    tune = ["-tune", "stillimage"] if request.mode != "video" else []
    start = _PROGRESS_AFTER["render"]

    def on_seconds(seconds: float) -> None:
        request.report_progress(start + (1 - start) * min(1.0, seconds / plan.duration_s))

    run_ffmpeg(
        [*video_inputs, *audio_args, "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
         *FINAL_VIDEO_ARGS, *tune, "-r", str(plan.fps), *AUDIO_ARGS,
         "-t", f"{plan.duration_s:.3f}", "-movflags", "+faststart", "-f", "mp4", str(target)],
        what="ffmpeg (encoding the output)",
        on_seconds=on_seconds if plan.duration_s > 0 else None,
        should_cancel=request.should_cancel,
    )


def _warnings(request: EngineRequest) -> list[str]:
    warnings = [
        "This server's engine (still) does not animate lips yet: the output shows the "
        + ("source video" if request.mode == "video" else "image") + " with the new audio."
    ]
    if request.prompt.strip():
        warnings.append("prompt was accepted but is not used by this engine.")
    return warnings
