"""The output every engine writes, planned from the probed inputs, and the ffmpeg pieces that
write it.

H.264 yuv420p + AAC 48 kHz stereo, faststart, height 480 or 720, even width keeping the aspect
ratio, 25 fps for images and the source rate (at most 30) for video; length = the audio's (multi:
the longest track, or both one after the other).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps

from media_intake.errors import InputError
from media_intake.media import probe_audio, probe_image, probe_video

from ..base import EngineInputError, EngineRequest

IMAGE_FPS = Fraction(25)
MAX_VIDEO_FPS = Fraction(30)
AUDIO_ARGS = ["-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2"]
FINAL_VIDEO_ARGS = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]


@dataclass(frozen=True)
class Plan:
    duration_s: float  # the output's length
    width: int
    height: int
    fps: Fraction
    source_duration_s: float = 0.0  # video mode: the source's length


def analyse(request: EngineRequest) -> Plan:
    """Probe the inputs (EngineInputError for one the engine cannot use) and plan the output."""
    if request.mask_image is not None:
        _probe(probe_image, request.mask_image, "mask_image")  # accepted, but it must be an image
    duration = _output_duration(request)
    if request.mode == "video":
        source = _probe(probe_video, request.video, "video")
        width, height = output_size(source.width, source.height, request.resolution)
        fps = min(Fraction(source.fps).limit_denominator(1001), MAX_VIDEO_FPS)
        return Plan(duration, width, height, fps, source_duration_s=source.duration_s)
    image = _probe(probe_image, request.image, "image")
    width, height = output_size(image.width, image.height, request.resolution)
    return Plan(duration, width, height, IMAGE_FPS)


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
        raise EngineInputError(exc.field, exc.message, reason=exc.reason) from None


def output_size(source_width: int, source_height: int, height: int) -> tuple[int, int]:
    """(width, height) at `height`, keeping the aspect ratio; width even, as yuv420p needs."""
    width = max(2, round(source_width * height / source_height / 2) * 2)
    return width, height


def still_picture(image_path: Path, plan: Plan) -> Image.Image:
    """The image upright (EXIF), flattened on white, Lanczos-scaled to the output size.

    Pillow does this rather than ffmpeg: it applies the EXIF orientation, which ffmpeg ignores
    for still images.
    """
    with Image.open(image_path) as source:
        rgb = upright_on(source, (255, 255, 255, 255)).convert("RGB")
        return rgb.resize((plan.width, plan.height), Image.Resampling.LANCZOS)


def upright_on(source: Image.Image, background: tuple[int, int, int, int]) -> Image.Image:
    """The image turned upright (EXIF orientation), any transparency flattened onto
    `background` (RGBA)."""
    upright = ImageOps.exif_transpose(source)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, background)
        flat.alpha_composite(rgba)
        upright = flat
    return upright


def still_frame(image_path: Path, plan: Plan) -> np.ndarray:
    """`still_picture` as an RGB array: the same pixels, kept in memory instead of a PNG written
    and read back."""
    return np.array(still_picture(image_path, plan))


def input_args(path: Path) -> list[str]:
    """An ffmpeg input that may only read local files: a user's file that is secretly a playlist
    must not make ffmpeg fetch URLs (the probes refuse playlists already; this is the backstop)."""
    return ["-protocol_whitelist", "file", "-i", str(path)]


def audio_paths(request: EngineRequest) -> list[Path]:
    """The audio inputs in the order they play (multi, right_left: the right one first)."""
    if request.mode != "multi":
        return [request.audio]
    if request.order == "right_left":
        return [request.right_audio, request.left_audio]
    return [request.left_audio, request.right_audio]


def audio_filter(request: EngineRequest, count: int) -> str:
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


def audio_inputs(request: EngineRequest) -> tuple[list[str], str]:
    """ffmpeg input arguments for the audio (inputs 1..n, after the pictures' input 0) and the
    filter that makes them one stream [a]."""
    paths = audio_paths(request)
    arguments = [arg for path in paths for arg in input_args(path)]
    return arguments, audio_filter(request, len(paths))


def measured_duration(path: Path, planned: float) -> float:
    """The written file's video length (what a player shows), falling back to the plan."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return planned
