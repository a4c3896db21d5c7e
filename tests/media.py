"""Small real media files for tests, made with the ffmpeg binary (lavfi sources) and Pillow.

`make_media_files(root)` makes the set behind the session fixture `media` (tests/conftest.py).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from lipsync_engine.common.ffmpeg import ffmpeg_binary


def run_ffmpeg_cli(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    *args], check=True)


def make_streamed(path: Path, *args: str, container: str = "matroska") -> Path:
    """Encode to a pipe, as a live stream would be: the header then states no duration."""
    done = subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin",
                           *args, "-f", container, "pipe:1"], check=True, capture_output=True)
    path.write_bytes(done.stdout)
    return path


def make_audio(path: Path, seconds: float, frequency: int = 440, rate: int = 44100,
               extra: tuple[str, ...] = ()) -> Path:
    run_ffmpeg_cli("-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate={rate}",
                   "-t", str(seconds), *extra, str(path))
    return path


def make_video(path: Path, seconds: float, *, size: str = "160x120", fps: int = 25,
               with_audio: bool = False, ramp: bool = False) -> Path:
    """A test pattern, or (ramp=True) a grey picture getting brighter at a constant rate."""
    if ramp:
        source = f"color=c=black:s={size}:r={fps},geq=lum='T*60':cb=128:cr=128"
    else:
        source = f"testsrc=size={size}:rate={fps}"
    audio = ["-f", "lavfi", "-i", "sine=frequency=220"] if with_audio else []
    run_ffmpeg_cli("-f", "lavfi", "-i", source, *audio, "-t", str(seconds),
                   "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(path))
    return path


def make_image(path: Path, size: tuple[int, int] = (300, 400), image_format: str | None = None,
               mode: str = "RGB") -> Path:
    image = Image.new(mode, size, "white" if mode != "1" else 1)
    # A few shapes, so the file is a real picture and not one flat colour.
    for x in range(0, size[0], max(1, size[0] // 8)):
        for y in range(size[1] // 3, size[1] // 2):
            image.putpixel((x, y), (200, 40, 40) if mode == "RGB" else 0)
    image.save(path, format=image_format)
    return path


@dataclass
class MediaFiles:
    root: Path
    image_png: Path
    image_jpeg: Path
    image_webp: Path
    image_gif: Path
    audio_wav: Path  # 1.5 s
    audio_m4a: Path  # 2 s, AAC in MP4
    audio_short: Path  # 1 s
    video_mp4: Path  # 1 s, 160x120 @ 25 fps, with a sound track
    video_ramp: Path  # 1.2 s, brightness rising with time, no sound
    text: Path
    truncated_png: Path


def make_media_files(root: Path) -> MediaFiles:
    """Images (PNG, JPEG, WebP, GIF, a truncated PNG), tones, clips and a text file in `root`."""
    png = make_image(root / "portrait.png")
    truncated = root / "truncated.png"
    truncated.write_bytes(png.read_bytes()[: len(png.read_bytes()) // 2])
    text = root / "notes.txt"
    text.write_text("This is not a media file.\n" * 40)
    return MediaFiles(
        root=root,
        image_png=png,
        image_jpeg=make_image(root / "portrait.jpg"),
        image_webp=make_image(root / "portrait.webp"),
        image_gif=make_image(root / "portrait.gif"),
        audio_wav=make_audio(root / "speech.wav", 1.5),
        audio_m4a=make_audio(root / "speech.m4a", 2, frequency=330),
        audio_short=make_audio(root / "short.wav", 1, frequency=550),
        video_mp4=make_video(root / "clip.mp4", 1, with_audio=True),
        video_ramp=make_video(root / "ramp.mp4", 1.2, ramp=True),
        text=text,
        truncated_png=truncated,
    )
