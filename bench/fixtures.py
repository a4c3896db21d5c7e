"""The bench inputs every engine benchmark shares: real speech (espeak-ng, looped to a length),
scikit-image's astronaut (one face; two side by side; a 960x540 25 fps clip of it drifting) and
the request for a mode. Used by bench/engine.py, bench/engine_wav2lip.py and bench/framemd5.py.
"""

from __future__ import annotations

import statistics
import subprocess
import time
import wave
from pathlib import Path

import av
import numpy as np
from PIL import Image

from lipsync_engine import EngineRequest

TEXT = ("Hello there. My name is Peter, and I would like to show you how my mouth moves when I "
        "speak. Maybe we can meet tomorrow for a cup of coffee, and talk about the weather.")


def speech(folder: Path, seconds: float, name: str, text: str = TEXT) -> Path:
    raw = folder / f"raw-{name}.wav"
    subprocess.run(["espeak-ng", "-w", str(raw), text], check=True, capture_output=True)
    with wave.open(str(raw)) as source:
        rate, frames = source.getframerate(), source.readframes(source.getnframes())
    samples = np.frombuffer(frames, np.int16)
    total = int(seconds * rate)
    looped = np.tile(samples, total // len(samples) + 1)[:total]
    path = folder / f"{name}.wav"
    with wave.open(str(path), "w") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(looped.tobytes())
    return path


OTHER_TEXT = "Yes, thank you. I am fine, and you?"


def speeches(folder: Path, lengths) -> dict:
    """Speech of each length (key: seconds) and, for multi mode's right face, a reply 0.8 as
    long (key: "<seconds>-other")."""
    audio = {}
    for seconds in lengths:
        audio[seconds] = speech(folder, seconds, f"s{seconds}")
        audio[f"{seconds}-other"] = speech(folder, seconds * 0.8, f"o{seconds}", OTHER_TEXT)
    return audio


def timed_render(engine, label: str, mode: str, resolution: int, seconds: int, media: dict,
                 audio: dict, folder: Path, repeat: int) -> tuple:
    """One case rendered `repeat` times: (mode, height, seconds, frames, median wall s,
    frames/s, timings of the last render), printed as it goes."""
    out = folder / f"{mode}-{resolution}-{seconds}.mp4"
    request = request_for(mode, media, audio, seconds, resolution, out)
    walls = []
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        result = engine.render(request)
        walls.append(time.perf_counter() - started)
    wall = statistics.median(walls)
    frames = round(result.duration_s * result.fps)
    print(f"{label} {mode} {resolution}p {seconds}s: {wall:.2f} s, {frames / wall:.1f} "
          "frames/s", flush=True)
    return mode, f"{resolution}p", seconds, frames, wall, frames / wall, result.timings


def inputs(folder: Path) -> dict:
    from skimage import data

    face = data.astronaut()
    Image.fromarray(face).save(folder / "face.png")
    two = Image.new("RGB", (1024, 512), (200, 200, 205))
    two.paste(Image.fromarray(face), (0, 0))
    two.paste(Image.fromarray(face).resize((440, 440)).transpose(
        Image.Transpose.FLIP_LEFT_RIGHT), (560, 40))
    two.save(folder / "two.png")
    video = folder / "face.mp4"  # 10 s of 16:9 video, the face drifting
    canvas = np.full((540, 960, 3), 205, np.uint8)
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264" if "libx264" in av.codecs_available
                                      else "mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 960, 540, "yuv420p"
        for index in range(250):
            picture = canvas.copy()
            offset = 200 + int(20 * np.sin(index / 25))
            picture[14:526, offset: offset + 512] = face
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return {"face": folder / "face.png", "two": folder / "two.png", "video": video}


def request_for(mode: str, media: dict, audio: dict, seconds: int, resolution: int,
                out: Path) -> EngineRequest:
    common = {"out_path": out, "resolution": resolution, "seed": 1}
    if mode == "image":
        return EngineRequest(mode="image", image=media["face"], audio=audio[seconds], **common)
    if mode == "video":
        return EngineRequest(mode="video", video=media["video"], audio=audio[seconds], **common)
    return EngineRequest(mode="multi", image=media["two"], left_audio=audio[seconds],
                         right_audio=audio[f"{seconds}-other"], order="meanwhile", **common)


def warm_lipsync(folder: Path, lengths) -> tuple:
    """(engine, media, audio): the lipsync engine with its models loaded and one short render
    done (a worker that has run a job), and the bench inputs written into `folder`."""
    from lipsync_engine import get_engine
    from lipsync_engine.common import models

    models.warm_up()
    engine = get_engine("lipsync")
    media = inputs(folder)
    audio = speeches(folder, lengths)
    # Warm: one short render loads everything (and fills caches) before timing.
    engine.render(request_for("image", media, audio, lengths[0], 480, folder / "warm.mp4"))
    return engine, media, audio

