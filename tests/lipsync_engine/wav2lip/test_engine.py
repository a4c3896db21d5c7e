"""The wav2lip engine end to end on CPU, with a random-weight checkpoint in the public format:
format, length, mask exactness, modes, determinism, progress, cancel, refusal without weights."""

import hashlib

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the wav2lip engine's)")
pytest.importorskip("mediapipe", reason="mediapipe is not installed")

from lipsync_engine import (  # noqa: E402
    EngineCancelled,
    EngineError,
    EngineRequest,
    get_engine,
)
from lipsync_engine.common.selection import usable_engine  # noqa: E402
from lipsync_engine.wav2lip import Wav2Lip, Wav2LipEngine  # noqa: E402
from lipsync_engine.wav2lip import engine as wav2lip_engine  # noqa: E402
from lipsync_engine.wav2lip.model import public_state_dict  # noqa: E402
from tests.lipsync_engine.probes import audio_seconds, decoded_frames, video_info  # noqa: E402


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(3)
    path = tmp_path_factory.mktemp("wav2lip") / "random.pth"
    torch.save(public_state_dict(Wav2Lip()), path)
    return path


@pytest.fixture(scope="module")
def engine(checkpoint):
    return Wav2LipEngine(checkpoint=checkpoint, device="cpu", batch_size=16)


@pytest.fixture(scope="module")
def image_render(tmp_path_factory, engine, face_image, tiny_speech):
    folder = tmp_path_factory.mktemp("image")
    progress = []
    result = engine.render(EngineRequest(
        mode="image", image=face_image, audio=tiny_speech, out_path=folder / "out.mp4",
        seed=4, prompt="smile", progress=progress.append))
    return result, progress


def test_image_mode_writes_the_contract_format_for_the_audio_length(image_render, tiny_speech):
    result, _progress = image_render
    info = video_info(result.output_path)
    assert (info["codec"], info["audio"]) == ("h264", "aac")
    assert (info["width"], info["height"], info["fps"]) == (480, 480, 25)
    assert (result.width, result.height) == (480, 480)
    assert info["seconds"] == pytest.approx(audio_seconds(tiny_speech), abs=0.1)
    assert len(decoded_frames(result.output_path)) == round(audio_seconds(tiny_speech) * 25)
    assert set(result.timings) == {"analysis", "render", "encode"}


def test_image_mode_reports_sync_progress_and_the_unused_prompt(image_render):
    result, progress = image_render
    assert result.sync["fps"] == 25.0 and "r" in result.sync and "lag_frames" in result.sync
    assert any("prompt" in w and "wav2lip" in w for w in result.warnings)
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert progress == sorted(progress)


def test_the_mouth_region_changes_and_the_upper_face_stays(image_render, face_image):
    result, _progress = image_render
    frame = decoded_frames(result.output_path)[5].astype(int)
    source = decoded_frames_of_still(face_image, result)
    # The astronaut's face box at 480p is about x 168..254, y 65..174 (mouth near y 140).
    difference = np.abs(frame - source).mean(axis=2)
    mouth, eyes, background = (difference[130:165, 190:235], difference[75:110, 180:245],
                               difference[300:400, 350:450])
    assert mouth.mean() > 10 * eyes.mean()
    assert background.mean() < 3  # only the encoder's rounding outside the face


def decoded_frames_of_still(face_image, result):
    from PIL import Image

    with Image.open(face_image) as picture:
        return np.asarray(picture.convert("RGB").resize(
            (result.width, result.height), Image.Resampling.LANCZOS)).astype(int)


def test_outside_the_mask_every_frame_is_the_source_pixel_for_pixel(
        tmp_path, engine, face_image, tiny_speech, mask_image):
    mask = mask_image((512, 512), (180, 120, 270, 180), "mask.png")  # the mouth
    request = EngineRequest(mode="image", image=face_image, audio=tiny_speech, mask_image=mask,
                            out_path=tmp_path / "unused.mp4")
    prepared = wav2lip_engine.prepare(request, tmp_path)
    inside = prepared.mask
    assert inside.any() and not inside.all()
    count = 0
    changed = 0
    for source, rendered in wav2lip_engine.render_frames(prepared, engine.runner(), 16):
        assert rendered.shape == source.shape == (480, 480, 3)
        assert np.array_equal(rendered[~inside], source[~inside])
        changed += int((rendered[inside] != source[inside]).any())
        count += 1
    assert count == prepared.frame_count
    assert changed == count  # inside the mask, the mouth is generated


def test_video_mode_keeps_the_source_rate_and_passes_faceless_frames(
        tmp_path, engine, face_video, short_speech):
    # 2 s of source at 25 fps (frames 20..29 without a face), ~1.8 s of speech: cut.
    result = engine.render(EngineRequest(mode="video", video=face_video, audio=short_speech,
                                         out_path=tmp_path / "video.mp4"))
    info = video_info(result.output_path)
    assert (info["width"], info["height"], info["fps"]) == (480, 480, 25)
    assert info["seconds"] == pytest.approx(audio_seconds(short_speech), abs=0.1)
    assert any("show no face" in w for w in result.warnings)
    frames = decoded_frames(result.output_path)
    # A faceless source frame passes unchanged (up to the encoder): flat grey stays flat grey.
    assert np.abs(frames[25].astype(int) - 128).max() < 6


def test_multi_mode_drives_two_faces_in_turn(tmp_path, engine, two_faces_image, tiny_speech):
    request = EngineRequest(mode="multi", image=two_faces_image, left_audio=tiny_speech,
                            right_audio=tiny_speech, order="left_right",
                            out_path=tmp_path / "multi.mp4")
    prepared = wav2lip_engine.prepare(request, tmp_path)
    left, right = prepared.speakers
    own = round(audio_seconds(tiny_speech) * 25)
    assert prepared.frame_count == pytest.approx(2 * own, abs=1)
    assert left.active[:own].all() and not left.active[own + 1:].any()
    assert right.active[own + 1:].all() and not right.active[: own - 1].any()
    # The face whose audio is not playing gets the window of silence.
    assert (left.windows[own + 1:] == -4).all() and (right.windows[: own - 1] == -4).all()
    assert left.boxes[0][2] < right.boxes[0][0]  # left box left of the right box
    result = engine.render(request)
    assert "faces" in result.sync and [f["side"] for f in result.sync["faces"]] == [
        "left", "right"]
    assert video_info(result.output_path)["seconds"] == pytest.approx(
        2 * audio_seconds(tiny_speech), abs=0.15)


def test_the_same_inputs_give_the_same_frames(tmp_path, engine, face_image, tiny_speech):
    def digest(name, seed):
        result = engine.render(EngineRequest(mode="image", image=face_image, audio=tiny_speech,
                                             seed=seed, out_path=tmp_path / name))
        return hashlib.sha256(b"".join(f.tobytes() for f in decoded_frames(
            result.output_path))).hexdigest()

    assert digest("a.mp4", 7) == digest("b.mp4", 7)


def test_a_cancelled_render_leaves_no_output(tmp_path, engine, face_image, tiny_speech):
    seen = []
    request = EngineRequest(mode="image", image=face_image, audio=tiny_speech,
                            out_path=tmp_path / "cancelled.mp4", progress=seen.append,
                            should_cancel=lambda: len(seen) > 2)
    with pytest.raises(EngineCancelled):
        engine.render(request)
    assert not (tmp_path / "cancelled.mp4").exists()
    assert not list(tmp_path.glob("*.partial"))


def test_without_a_checkpoint_the_engine_refuses_with_one_line(monkeypatch, tmp_path):
    monkeypatch.delenv("LIPSYNC_WAV2LIP_CHECKPOINT", raising=False)
    with pytest.raises(EngineError) as caught:
        get_engine("wav2lip")
    assert str(caught.value) == ("The wav2lip engine needs LIPSYNC_WAV2LIP_CHECKPOINT="
                                 "/path/to/wav2lip.pth (not set).")
    with pytest.raises(EngineError, match="no file at"):
        Wav2LipEngine(checkpoint=tmp_path / "absent.pth")


def test_a_worker_without_a_checkpoint_falls_back_to_the_default_engine(checkpoint):
    assert usable_engine("wav2lip", wav2lip_checkpoint="") == (
        "lipsync", "LIPSYNC_ENGINE=wav2lip needs LIPSYNC_WAV2LIP_CHECKPOINT=/path/to/wav2lip.pth "
        "(not set); this worker uses the default engine 'lipsync'.")
    assert usable_engine("wav2lip", wav2lip_checkpoint=str(checkpoint)) == ("wav2lip", None)
    assert usable_engine("still") == ("still", None)
