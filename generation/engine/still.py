"""The "still" engine: an honest placeholder that writes a real MP4 of the contract's shape.

It does not move lips. Image modes show the image for the audio's length; video mode shows the
source video (played forward then backward when the audio is longer, cut when shorter) with the
new audio. Everything else is what the real lip-sync engine must also produce: H.264 yuv420p +
AAC 48 kHz stereo, faststart, height 480 or 720, even width keeping the aspect ratio, 25 fps for
images and the source rate (at most 30) for video. No Django.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageOps

from generation.inputs.errors import InputError
from generation.inputs.media import probe_audio, probe_image, probe_video

from .base import EngineInputError, EngineRequest, EngineResult, atomic_output
from .ffmpeg import run_ffmpeg

IMAGE_FPS = Fraction(25)
MAX_VIDEO_FPS = Fraction(30)
# Reversing buffers every frame of a chunk in memory: 4 s at 720p30 is ~170 MB.
REVERSE_CHUNK_SECONDS = 4
AUDIO_ARGS = ["-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2"]
FINAL_VIDEO_ARGS = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
# Intermediate clips are re-encoded once more, so they are kept near-transparent.
INTERMEDIATE_VIDEO_ARGS = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "14",
                           "-pix_fmt", "yuv420p", "-bf", "0"]
# Progress reached at the end of analysis and of render; encode takes the rest.
_PROGRESS_AFTER = {"analysis": 0.05, "render": 0.15}


@dataclass(frozen=True)
class _Plan:
    duration_s: float  # the output's length
    width: int
    height: int
    fps: Fraction
    source_duration_s: float = 0.0  # video mode: the source's length


class StillEngine:
    name = "still"

    def render(self, request: EngineRequest) -> EngineResult:
        timings: dict[str, int] = {}
        request.report_progress(0.0)
        request.check_cancelled()
        out_path = request.out_path
        with atomic_output(out_path, ".still-") as (work, partial):
            with _stage(timings, "analysis"):
                plan = _analyse(request)
            self._after_stage(request, "analysis")
            with _stage(timings, "render"):
                video_inputs, video_filter = _prepare_pictures(request, plan, work)
            self._after_stage(request, "render")
            with _stage(timings, "encode"):
                _encode(request, plan, video_inputs, video_filter, partial)
        request.report_progress(1.0)
        return EngineResult(
            output_path=out_path,
            duration_s=_measured_duration(out_path, plan.duration_s),
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


# --- analysis ---------------------------------------------------------------------------------


def _analyse(request: EngineRequest) -> _Plan:
    if request.mask_image is not None:
        _probe(probe_image, request.mask_image, "mask_image")  # accepted, but it must be an image
    duration = _output_duration(request)
    if request.mode == "video":
        source = _probe(probe_video, request.video, "video")
        width, height = output_size(source.width, source.height, request.resolution)
        fps = min(Fraction(source.fps).limit_denominator(1001), MAX_VIDEO_FPS)
        return _Plan(duration, width, height, fps, source_duration_s=source.duration_s)
    image = _probe(probe_image, request.image, "image")
    width, height = output_size(image.width, image.height, request.resolution)
    return _Plan(duration, width, height, IMAGE_FPS)


def _output_duration(request: EngineRequest) -> float:
    """The contract's output length: the audio's; multi: longest (meanwhile) or the sum."""
    if request.mode != "multi":
        return _probe(probe_audio, request.audio, "audio").duration_s
    left = _probe(probe_audio, request.left_audio, "left_audio").duration_s
    right = _probe(probe_audio, request.right_audio, "right_audio").duration_s
    return max(left, right) if request.order == "meanwhile" else left + right


def _probe(probe, path: Path, name: str):
    """Run an input probe; its InputError becomes the engine's EngineInputError."""
    try:
        return probe(path, f"formState.{name}")
    except InputError as exc:
        raise EngineInputError(exc.field, exc.message) from None


def output_size(source_width: int, source_height: int, height: int) -> tuple[int, int]:
    """(width, height) at `height`, keeping the aspect ratio; width even, as yuv420p needs."""
    width = max(2, round(source_width * height / source_height / 2) * 2)
    return width, height


# --- render: the pictures ---------------------------------------------------------------------


def _prepare_pictures(request: EngineRequest, plan: _Plan, work: Path) -> tuple[list[str], str]:
    """ffmpeg input arguments for the pictures, and the filter that turns input 0 into [v]."""
    if request.mode != "video":
        frame = _prepare_still(request.image, plan, work / "frame.png")
        inputs = ["-loop", "1", "-framerate", str(IMAGE_FPS), *_input(frame)]
        return inputs, f"[0:v]fps={IMAGE_FPS},format=yuv420p[v]"
    scale = _scale_filter(plan)
    if plan.duration_s <= plan.source_duration_s:
        return _input(request.video), f"[0:v:0]{scale}[v]"
    playlist = _prepare_ping_pong(request, plan, work)
    inputs = ["-f", "concat", "-safe", "0", *_input(playlist)]
    return inputs, f"[0:v:0]fps={plan.fps},format=yuv420p[v]"


def _prepare_still(image_path: Path, plan: _Plan, target: Path) -> Path:
    """The image upright (EXIF), flattened on white, scaled to the output size, as PNG.

    Pillow does this rather than ffmpeg: it applies the EXIF orientation, which ffmpeg ignores
    for still images.
    """
    still_picture(image_path, plan).save(target)
    return target


def still_picture(image_path: Path, plan: _Plan) -> Image.Image:
    """The image upright (EXIF), flattened on white, Lanczos-scaled to the output size."""
    with Image.open(image_path) as source:
        upright = ImageOps.exif_transpose(source)
        if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
            rgba = upright.convert("RGBA")
            flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            flat.alpha_composite(rgba)
            upright = flat
        rgb = upright.convert("RGB")
        return rgb.resize((plan.width, plan.height), Image.Resampling.LANCZOS)


def _input(path: Path) -> list[str]:
    """An ffmpeg input that may only read local files: a user's file that is secretly a playlist
    must not make ffmpeg fetch URLs (the probes refuse playlists already; this is the backstop)."""
    return ["-protocol_whitelist", "file", "-i", str(path)]


def _scale_filter(plan: _Plan) -> str:
    return (f"scale={plan.width}:{plan.height}:flags=lanczos,setsar=1,"
            f"fps={plan.fps},format=yuv420p")


def _prepare_ping_pong(request: EngineRequest, plan: _Plan, work: Path) -> Path:
    """A concat playlist: the source forward, then backward, and so on, until the audio ends.

    The backward copy is built in chunks of a few seconds, so memory stays bounded whatever the
    video's length (ffmpeg's reverse filter holds every frame it reverses).
    """
    forward = work / "forward.mp4"
    gop = str(max(1, round(plan.fps)))  # a keyframe per second: chunk seeks decode little
    run_ffmpeg([*_input(request.video), "-map", "0:v:0", "-an", "-sn", "-dn",
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
        run_ffmpeg(["-ss", f"{float(seek_s):.6f}", *_input(forward), "-an", "-vf", trim,
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


def _encode(request: EngineRequest, plan: _Plan, video_inputs: list[str], video_filter: str,
            target: Path) -> None:
    audio_paths = _audio_paths(request)
    audio_inputs = [arg for path in audio_paths for arg in _input(path)]
    graph = ";".join([video_filter, _audio_filter(request, len(audio_paths))])
    tune = ["-tune", "stillimage"] if request.mode != "video" else []
    start = _PROGRESS_AFTER["render"]

    def on_seconds(seconds: float) -> None:
        request.report_progress(start + (1 - start) * min(1.0, seconds / plan.duration_s))

    run_ffmpeg(
        [*video_inputs, *audio_inputs, "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
         *FINAL_VIDEO_ARGS, *tune, "-r", str(plan.fps), *AUDIO_ARGS,
         "-t", f"{plan.duration_s:.3f}", "-movflags", "+faststart", "-f", "mp4", str(target)],
        what="ffmpeg (encoding the output)",
        on_seconds=on_seconds if plan.duration_s > 0 else None,
        should_cancel=request.should_cancel,
    )


def _audio_paths(request: EngineRequest) -> list[Path]:
    if request.mode != "multi":
        return [request.audio]
    if request.order == "right_left":
        return [request.right_audio, request.left_audio]
    return [request.left_audio, request.right_audio]


def _audio_filter(request: EngineRequest, count: int) -> str:
    """Inputs 1..count to one 48 kHz stereo stream [a]: as is, mixed, or one after the other."""
    normalise = "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
    parts = [f"[{index}:a:0]{normalise}[a{index}]" for index in range(1, count + 1)]
    labels = "".join(f"[a{index}]" for index in range(1, count + 1))
    if count == 1:
        parts.append("[a1]anull[a]")
    elif request.order == "meanwhile":
        # normalize=0: each voice keeps its level instead of being halved.
        parts.append(f"{labels}amix=inputs={count}:duration=longest:normalize=0[a]")
    else:
        parts.append(f"{labels}concat=n={count}:v=0:a=1[a]")
    return ";".join(parts)


def _measured_duration(path: Path, planned: float) -> float:
    """The written file's video length (what a player shows), falling back to the plan."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return planned


def _warnings(request: EngineRequest) -> list[str]:
    warnings = [
        "This server's engine (still) does not animate lips yet: the output shows the "
        + ("source video" if request.mode == "video" else "image") + " with the new audio."
    ]
    if request.prompt.strip():
        warnings.append("prompt was accepted but is not used by this engine.")
    return warnings
