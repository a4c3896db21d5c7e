"""Frame checksums of the engines' output on the bench inputs, to show a refactor changes no frame.

    .venv/bin/python bench/framemd5.py OUT_DIR [--module lipsync_engine] [--seconds 3]

Renders, through the command line `python -m MODULE`, each mode (image: the astronaut; video: the
drifting 960x540 clip; multi: two astronauts) at 480p with a fixed seed, with the `lipsync` and
the `still` engines, and writes `ffmpeg -f framemd5` of each output to OUT_DIR/<engine>-<mode>.txt
(ffmpeg: imageio-ffmpeg's binary). Compare two runs with `diff -r BEFORE AFTER`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fixtures import inputs, speech  # noqa: E402

ENGINES = ("lipsync", "still")
MODES = ("image", "video", "multi")


def mode_arguments(mode: str, media: dict, voice: Path, other: Path) -> list[str]:
    if mode == "image":
        return ["--image", str(media["face"]), "--audio", str(voice)]
    if mode == "video":
        return ["--video", str(media["video"]), "--audio", str(voice)]
    return ["--image", str(media["two"]), "--left-audio", str(voice), "--right-audio",
            str(other), "--order", "meanwhile"]


def render(module: str, engine: str, mode: str, arguments: list[str], out: Path) -> None:
    command = [sys.executable, "-m", module, mode, *arguments, "--out", str(out),
               "--resolution", "480p", "--seed", "7", "--engine", engine, "--quiet"]
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, "LIPSYNC_ENGINE": engine})


def framemd5(video: Path, target: Path) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
                    "-i", str(video), "-f", "framemd5", str(target)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--module", default="lipsync_engine",
                        help="the engine's command line module")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        media = inputs(folder)
        voice = speech(folder, args.seconds, "voice")
        other = speech(folder, args.seconds * 0.8, "other", "Yes, thank you. I am fine, and you?")
        for engine in ENGINES:
            for mode in MODES:
                out = folder / f"{engine}-{mode}.mp4"
                render(args.module, engine, mode, mode_arguments(mode, media, voice, other), out)
                framemd5(out, args.out_dir / f"{engine}-{mode}.txt")
                print(f"{engine} {mode}: {args.out_dir / f'{engine}-{mode}.txt'}", flush=True)


if __name__ == "__main__":
    main()
