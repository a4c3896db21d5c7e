"""Sniff and decode input media; the file name, extension and Content-Type are never trusted.

Images go through Pillow restricted to PNG, JPEG and WebP (no other decoder ever sees the bytes);
audio and video through PyAV (FFmpeg's demuxers and decoders, from its wheel: no ffprobe needed).
Each check decodes real data, so a file with a valid header and garbage after it fails here and
not halfway through a render; lengths are measured (audio decoded, video frames counted), never
taken from a header alone. No Django here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, UnidentifiedImageError

from .errors import InputError
from .limits import MAX_IMAGE_PIXELS, MAX_MEDIA_SECONDS

IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")
_EXIF_ORIENTATION = 0x0112
_SIDEWAYS_ORIENTATIONS = (5, 6, 7, 8)  # rotated by 90 or 270 degrees
# The FFmpeg demuxers we let read user files. An allow-list, because FFmpeg has demuxers that
# must never see user input: playlists (hls, concat) open other files and URLs (SSRF, local file
# reads), and others "decode" anything (a text file is valid "tty" ANSI art).
VIDEO_DEMUXERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "mpegts", "mpeg", "flv",
                  "asf", "ogg")
AUDIO_DEMUXERS = ("wav", "w64", "mp3", "ogg", "flac", "aac", "aiff", "caf", "amr", "wv",
                  *VIDEO_DEMUXERS)
# How far past the maximum length decoding goes: then the answer ("too long") is known.
DECODE_MARGIN_S = 1.0


@dataclass(frozen=True)
class ImageInfo:
    width: int  # as displayed, after the EXIF orientation
    height: int
    format: str  # "PNG", "JPEG" or "WEBP"


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    width: int  # as displayed, after any rotation metadata
    height: int
    fps: float
    has_audio: bool


MediaInfo = ImageInfo | AudioInfo | VideoInfo


def probe(path: Path, *, field: str, kind: str) -> MediaInfo:
    """Check a file as the input kind it must be ("image", "mask_image", "audio", "video")."""
    if kind in ("image", "mask_image"):
        return probe_image(path, field)
    if kind == "audio":
        return probe_audio(path, field)
    if kind == "video":
        return probe_video(path, field)
    raise ValueError(f"Unknown input kind {kind!r}.")


# --- images -----------------------------------------------------------------------------------


def probe_image(path: Path, field: str, max_pixels: int = MAX_IMAGE_PIXELS) -> ImageInfo:
    with warnings.catch_warnings():
        # Pillow warns above its own limit and raises above twice it; ours is checked below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=list(IMAGE_FORMATS)) as image:
                _check_pixel_count(image.size, field, max_pixels)
                image_format = image.format
                image.load()  # decode every pixel: a truncated or corrupt file fails here
                width, height = _displayed_size(image)
        except Image.DecompressionBombError:
            raise _too_many_pixels(field, None, max_pixels) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise InputError(
                field, f"{field} is not a PNG, JPEG or WebP image we can read.",
                reason="unreadable",
            ) from None
    return ImageInfo(width=width, height=height, format=image_format)


def _displayed_size(image: Image.Image) -> tuple[int, int]:
    """The size once the EXIF orientation is applied (phones store portraits sideways)."""
    width, height = image.size
    orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    return (height, width) if orientation in _SIDEWAYS_ORIENTATIONS else (width, height)


def _check_pixel_count(size: tuple[int, int], field: str, max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise InputError(field, f"{field} has no pixels.", reason="unreadable")
    if width * height > max_pixels:
        raise _too_many_pixels(field, size, max_pixels)


def _too_many_pixels(field: str, size: tuple[int, int] | None, max_pixels: int) -> InputError:
    limit = f"{max_pixels / 1_000_000:g} megapixels"
    if size is None:
        return InputError(field, f"{field} has more pixels than the {limit} limit.",
                          reason="too_large")
    width, height = size
    megapixels = width * height / 1_000_000
    return InputError(
        field,
        f"{field} is {width}x{height} pixels ({megapixels:.0f} megapixels); "
        f"the maximum is {limit}.",
        reason="too_large",
    )


# --- audio ------------------------------------------------------------------------------------


def probe_audio(path: Path, field: str, max_seconds: float = MAX_MEDIA_SECONDS) -> AudioInfo:
    with _open_container(path, field, "an audio file", AUDIO_DEMUXERS) as container:
        if not container.streams.audio:
            raise InputError(field, f"{field} is not an audio file we can read (it has no sound "
                                    "track).", reason="unreadable")
        stream = container.streams.audio[0]
        stated = _stated_duration(container, stream)
        if stated is not None:
            _check_length(stated, field, max_seconds)
        # Measured by decoding, never taken from the header: a header may claim 1 s in front of
        # hours of sound (billed as 1 s, rendered in full). Decoding stops past the maximum.
        duration = _decoded_audio_duration(container, stream, field, max_seconds)
        codec = stream.codec_context
        sample_rate, channels = codec.sample_rate, codec.layout.nb_channels
    if duration <= 0 or not sample_rate:
        raise InputError(field, f"{field} contains no sound (its length is 0 s).", reason="empty")
    return AudioInfo(duration_s=duration, sample_rate=sample_rate, channels=channels)


def _decoded_audio_duration(container, stream, field: str, max_seconds: float) -> float:
    """Count decoded samples; stops once past the maximum, since the answer is then known."""
    samples = 0
    rate = 0
    try:
        for frame in container.decode(stream):
            rate = frame.sample_rate or rate
            samples += frame.samples
            if rate and samples / rate > max_seconds + DECODE_MARGIN_S:
                break
    except av.FFmpegError:
        if not samples:
            raise _unreadable(field, "an audio file") from None
    if not samples or not rate:
        raise InputError(field, f"{field} contains no sound (its length is 0 s).", reason="empty")
    duration = samples / rate
    _check_length(duration, field, max_seconds)
    return duration


# --- video ------------------------------------------------------------------------------------


def probe_video(path: Path, field: str, max_seconds: float = MAX_MEDIA_SECONDS,
                max_pixels: int = MAX_IMAGE_PIXELS) -> VideoInfo:
    with _open_container(path, field, "a video file", VIDEO_DEMUXERS) as container:
        stream = _moving_picture_stream(container)
        if stream is None:
            raise InputError(field, f"{field} is not a video file we can read (it has no moving "
                                    "pictures).", reason="unreadable")
        fps = _frame_rate(stream)
        first = _decode_first_frame(container, stream, field, "a video file")
        width, height = first.width, first.height
        _check_pixel_count((width, height), field, max_pixels)
        if abs(getattr(first, "rotation", 0) or 0) % 180 == 90:
            width, height = height, width
        # The longer of what the header states and what its frames last: a header may claim
        # 1 s in front of hours of frames. Counting demuxes without decoding, up to the maximum.
        stated = _stated_duration(container, stream) or 0.0
        duration = max(stated, _counted_video_duration(container, stream, fps, max_seconds))
        has_audio = bool(container.streams.audio)
    _check_length(duration, field, max_seconds)
    if duration <= 0:
        raise InputError(field, f"{field} is empty (its length is 0 s).", reason="empty")
    return VideoInfo(duration_s=duration, width=width, height=height, fps=float(fps),
                     has_audio=has_audio)


def _moving_picture_stream(container):
    """The first real video stream: not a lone picture, not an MP3's cover art."""
    still = av.stream.Disposition.attached_pic | av.stream.Disposition.still_image
    for stream in container.streams.video:
        if not stream.disposition & still:
            return stream
    return None


def _frame_rate(stream) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < rate <= 1000:
            return Fraction(rate)
    return Fraction(25)


def _counted_video_duration(container, stream, fps: Fraction, max_seconds: float) -> float:
    """Demux (no decode) and count frames: cheap, and enough when the header gives no length."""
    container.seek(0)
    frames = 0
    limit = (max_seconds + DECODE_MARGIN_S) * fps
    for packet in container.demux(stream):
        if packet.size:
            frames += 1
            if frames > limit:
                break
    return float(frames / fps)


# --- shared -----------------------------------------------------------------------------------


class _open_container:
    """av.open as a context manager whose failure is an InputError naming the field."""

    def __init__(self, path: Path, field: str, what: str, demuxers: tuple[str, ...]) -> None:
        self.path, self.field, self.what = path, field, what
        self.options = {
            "format_whitelist": ",".join(demuxers),
            "protocol_whitelist": "file",  # nothing inside a file may open a URL
        }
        self.container = None

    def __enter__(self):
        try:
            self.container = av.open(str(self.path), mode="r", container_options=self.options)
        except (av.FFmpegError, UnicodeDecodeError, ValueError):
            raise _unreadable(self.field, self.what) from None
        return self.container

    def __exit__(self, *exc_info) -> None:
        self.container.close()


def _stated_duration(container, stream) -> float | None:
    """The length the container or stream header states, in seconds, or None if neither does."""
    if stream.duration and stream.time_base and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    return None


def _decode_first_frame(container, stream, field: str, what: str):
    try:
        for frame in container.decode(stream):
            return frame
    except av.FFmpegError:
        pass
    raise _unreadable(field, what)


def _check_length(duration: float, field: str, max_seconds: float) -> None:
    if duration > max_seconds:
        raise InputError(
            field,
            f"{field} is {duration:.0f} s long; the maximum is {max_seconds:g} s.",
            reason="too_long",
        )


def _unreadable(field: str, what: str) -> InputError:
    return InputError(field, f"{field} is not {what} we can read.", reason="unreadable")
