"""The engine boundary: registry, no Django anywhere under generation/engine, the CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest

from generation.engine import DEFAULT_ENGINE, UnknownEngineError, get_engine, known_engines
from generation.engine.ffmpeg import FfmpegError, ffmpeg_binary, run_ffmpeg

REPO = Path(__file__).resolve().parents[2]


def run_python(*args: str, **kwargs) -> subprocess.CompletedProcess:
    # The CLI's plumbing is tested on the still engine: these synthetic pictures have no face.
    env = {**os.environ, "LIPSYNC_ENGINE": "still"}
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env, **kwargs)


def test_engine_package_imports_no_django():
    # A fresh interpreter: this test process has Django loaded already.
    modules = [
        "generation.engine", "generation.engine.base", "generation.engine.registry",
        "generation.engine.ffmpeg", "generation.engine.still", "generation.engine.__main__",
        "generation.engine.selection", "generation.engine.wav2lip", "lipsync_engine.musetalk",
        "lipsync_engine.musetalk.engine",
        "generation.inputs.safe_fetch", "generation.inputs.media", "generation.inputs.uploads",
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "from generation.engine import get_engine; get_engine('still')\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(loaded)\n"
    )
    done = run_python("-c", code)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_engines_are_created_once_per_process():
    assert get_engine("still") is get_engine("still")
    assert get_engine() is get_engine(DEFAULT_ENGINE)
    assert DEFAULT_ENGINE == "lipsync"


def test_unknown_engine_lists_the_known_ones():
    with pytest.raises(UnknownEngineError) as caught:
        get_engine("sadtalker")

    assert str(caught.value) == ("Unknown engine 'sadtalker'; known engines: lipsync, musetalk, "
                                 "still, wav2lip.")
    assert known_engines() == ["lipsync", "musetalk", "still", "wav2lip"]


def test_ffmpeg_binary_prefers_the_environment(monkeypatch):
    monkeypatch.setenv("FFMPEG_BINARY", "/opt/ffmpeg/bin/ffmpeg")

    assert ffmpeg_binary() == "/opt/ffmpeg/bin/ffmpeg"


def test_ffmpeg_failure_carries_its_last_words(tmp_path):
    with pytest.raises(FfmpegError) as caught:
        run_ffmpeg(["-i", str(tmp_path / "missing.wav"), str(tmp_path / "out.wav")])

    assert "missing.wav" in str(caught.value)
    assert caught.value.returncode != 0


# --- command line -----------------------------------------------------------------------------


def test_cli_image(media, tmp_path):
    out = tmp_path / "cli.mp4"

    done = run_python("-m", "generation.engine", "image", "--image", str(media.image_png),
                      "--audio", str(media.audio_wav), "--out", str(out), "--resolution", "720p",
                      "--seed", "3", "--prompt", "calm")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["output_path"] == str(out)
    assert (result["width"], result["height"], result["fps"]) == (540, 720, 25)
    assert result["duration_s"] == pytest.approx(1.5, abs=0.05)
    assert "prompt was accepted but is not used by this engine." in result["warnings"]
    assert "progress 100%" in done.stderr
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.height == 720


def test_cli_video_and_multi(media, tmp_path):
    video = run_python("-m", "generation.engine", "video", "--video", str(media.video_mp4),
                       "--audio", str(media.audio_short), "--out", str(tmp_path / "v.mp4"),
                       "--quiet")
    multi = run_python("-m", "generation.engine", "multi", "--image", str(media.image_png),
                       "--left-audio", str(media.audio_wav), "--right-audio",
                       str(media.audio_short), "--order", "left_right",
                       "--out", str(tmp_path / "m.mp4"), "--quiet")

    assert video.returncode == 0, video.stderr
    assert multi.returncode == 0, multi.stderr
    assert json.loads(video.stdout)["duration_s"] == pytest.approx(1.0, abs=0.05)
    assert json.loads(multi.stdout)["duration_s"] == pytest.approx(2.5, abs=0.05)


def test_cli_bad_input_exits_2_with_the_sentence(media, tmp_path):
    done = run_python("-m", "generation.engine", "image", "--image", str(media.text),
                      "--audio", str(media.audio_wav), "--out", str(tmp_path / "x.mp4"))

    assert done.returncode == 2
    assert "formState.image is not a PNG, JPEG or WebP image we can read." in done.stderr


def test_cli_unknown_engine(media, tmp_path):
    done = run_python("-m", "generation.engine", "image", "--image", str(media.image_png),
                      "--audio", str(media.audio_wav), "--out", str(tmp_path / "x.mp4"),
                      "--engine", "nope")

    assert done.returncode == 2
    assert "known engines: lipsync, musetalk, still" in done.stderr
