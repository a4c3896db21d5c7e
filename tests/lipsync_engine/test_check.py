"""`python -m lipsync_engine check`: lip opening measured on the pixels of any video against its
speech. A good render passes; a still picture with speech and a 10-frame shift do not."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lipsync_engine import EngineRequest, get_engine
from lipsync_engine.check import check_video
from lipsync_engine.common.ffmpeg import run_ffmpeg
from lipsync_engine.common.sync import correlate, warning_for

pytest.importorskip("mediapipe", reason="mediapipe is not installed")

REPO = Path(__file__).resolve().parents[2]


def test_a_good_image_mode_render_is_in_sync(spoken):
    done = subprocess.run([sys.executable, "-m", "lipsync_engine", "check", "--video",
                           str(spoken.output_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(report) == {"method", "r", "lag_frames", "ok", "frames"}
    assert report["ok"] is True, report
    assert report["r"] >= 0.5 and abs(report["lag_frames"]) <= 1, report
    # Every 2nd frame of the ~8 s clip, each with the face found.
    assert report["frames"] == pytest.approx(round(spoken.duration_s * 25 / 2), abs=2)


def test_a_still_picture_with_speech_is_not_in_sync(tmp_path, face_image, long_speech):
    still = get_engine("still").render(EngineRequest(
        mode="image", image=face_image, audio=long_speech, out_path=tmp_path / "still.mp4"))

    report = check_video(still.output_path)

    assert report["ok"] is False, report
    assert report["frames"] > 50


def test_speech_ten_frames_late_is_not_in_sync(tmp_path, spoken, long_speech):
    late = tmp_path / "late.wav"
    run_ffmpeg(["-i", str(long_speech), "-af", "adelay=400:all=1", str(late)])

    report = check_video(spoken.output_path, audio=late)

    assert report["ok"] is False, report
    assert report["lag_frames"] in (-11, -10, -9), report


def test_a_video_without_sound_needs_the_audio(tmp_path, face_video):
    done = subprocess.run([sys.executable, "-m", "lipsync_engine", "check", "--video",
                           str(face_video)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)

    assert done.returncode == 2
    assert "has no audio track; give the speech with --audio." in done.stderr


def test_a_talking_clip_with_someone_elses_speech_is_not_in_sync(talking, speech):
    other = speech("sailor.wav", "Every morning the old sailor walks along the harbour, "
                   "watching boats arrive while seagulls circle above the water.")

    assert check_video(talking)["ok"] is True
    report = check_video(talking, audio=other)
    assert report["ok"] is False, report


def test_a_good_dub_of_a_talking_clip_is_in_sync(tmp_path, talking, other_speech):
    dub = get_engine("lipsync").render(EngineRequest(
        mode="video", video=talking, audio=other_speech, out_path=tmp_path / "dub.mp4", seed=2))

    report = check_video(dub.output_path)
    assert report["ok"] is True, report
    assert dub.sync["ok"] is True and dub.sync["method"] == report["method"], dub.sync


def test_audio_without_speech_is_never_in_sync():
    rng = np.random.default_rng(3)
    noise = -60 + rng.normal(0, 0.3, 200)  # a room's hum: loudness flat within a dB
    gap = 0.08 + 0.01 * (noise - noise.mean())  # lips that happen to follow it exactly

    report = correlate(gap, noise)

    assert report["r"] > 0.9 and report["ok"] is False and report["speech"] is False
    assert "holds no speech" in warning_for(report, 25.0)
