"""The musetalk engine end to end on CPU, with small random-weight folders in the published
layout written by the test: format, length, mask exactness, modes, faceless frames, determinism,
progress, cancel, refusal without folders."""

import hashlib

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the musetalk engine's)")
pytest.importorskip("diffusers", reason="diffusers is not installed (the musetalk engine's)")
pytest.importorskip("transformers", reason="transformers is not installed")
pytest.importorskip("mediapipe", reason="mediapipe is not installed")

from lipsync_engine import (  # noqa: E402
    EngineCancelled,
    EngineError,
    EngineRequest,
    get_engine,
)
from lipsync_engine.common.selection import usable_engine  # noqa: E402
from lipsync_engine.musetalk import MuseTalkEngine  # noqa: E402
from lipsync_engine.musetalk import engine as musetalk_engine  # noqa: E402
from lipsync_engine.musetalk.random_weights import SMALL, write_folders  # noqa: E402
from tests.lipsync_engine.probes import audio_seconds, decoded_frames, video_info  # noqa: E402


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return write_folders(tmp_path_factory.mktemp("musetalk"), SMALL, seed=3)


@pytest.fixture(scope="module")
def engine(folders):
    unet, vae, whisper = folders
    return MuseTalkEngine(unet=unet, vae=vae, whisper=whisper, device="cpu", batch_size=8)


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
    assert info["seconds"] == pytest.approx(audio_seconds(tiny_speech), abs=0.1)
    assert len(decoded_frames(result.output_path)) == round(audio_seconds(tiny_speech) * 25)
    assert set(result.timings) == {"analysis", "render", "encode"}


def test_image_mode_reports_sync_progress_and_the_unused_prompt(image_render):
    result, progress = image_render
    assert result.sync["fps"] == 25.0 and "r" in result.sync and "lag_frames" in result.sync
    assert "prompt was accepted but is not used by this engine (musetalk)." in result.warnings
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert progress == sorted(progress)


def still_at_output_size(face_image, result):
    from PIL import Image

    with Image.open(face_image) as picture:
        return np.asarray(picture.convert("RGB").resize(
            (result.width, result.height), Image.Resampling.LANCZOS)).astype(int)


def test_the_lower_face_is_redrawn_and_the_rest_stays(image_render, face_image):
    result, _progress = image_render
    frame = decoded_frames(result.output_path)[5].astype(int)
    difference = np.abs(frame - still_at_output_size(face_image, result)).mean(axis=2)
    # The astronaut at 480p: eyes near y 90, mouth near y 140-160, x 180-240.
    mouth, eyes, background = (difference[135:165, 190:235], difference[75:100, 180:245],
                               difference[300:400, 350:450])
    assert mouth.mean() > 10 * max(1.0, eyes.mean())
    assert background.mean() < 3  # only the encoder's rounding outside the face


def test_outside_the_mask_every_frame_is_the_source_pixel_for_pixel(
        tmp_path, engine, face_image, tiny_speech, mask_image):
    mask = mask_image((512, 512), (180, 120, 270, 180), "mask.png")  # the mouth
    request = EngineRequest(mode="image", image=face_image, audio=tiny_speech, mask_image=mask,
                            out_path=tmp_path / "unused.mp4")
    prepared = musetalk_engine.prepare(request, tmp_path, engine.runner())
    inside = prepared.mask
    assert inside.any() and not inside.all()
    count = changed = 0
    for source, rendered in musetalk_engine.render_frames(prepared, engine.runner(), 8):
        assert rendered.shape == source.shape == (480, 480, 3)
        assert np.array_equal(rendered[~inside], source[~inside])
        changed += int((rendered[inside] != source[inside]).any())
        count += 1
    assert count == prepared.frame_count
    assert changed == count  # inside the mask, the mouth is generated


def test_video_mode_keeps_the_source_rate_and_passes_faceless_frames(
        tmp_path, engine, face_video, short_speech):
    # 2 s of source at 25 fps (frames 20..29 without a face), ~1.8 s of speech: cut.
    request = EngineRequest(mode="video", video=face_video, audio=short_speech,
                            out_path=tmp_path / "video.mp4")
    prepared = musetalk_engine.prepare(request, tmp_path, engine.runner())
    rendered = list(musetalk_engine.render_frames(prepared, engine.runner(), 8))
    assert len(rendered) == prepared.frame_count == round(audio_seconds(short_speech) * 25)
    for index in range(20, 30):  # no face: the source frame, exactly
        source, out = rendered[index]
        assert np.array_equal(source, out)
    source, out = rendered[5]
    assert np.abs(source.astype(int) - out.astype(int))[130:170, 190:240].mean() > 5
    result = MuseTalkEngine.render(engine, request)
    info = video_info(result.output_path)
    assert (info["width"], info["height"], info["fps"]) == (480, 480, 25)
    assert info["seconds"] == pytest.approx(audio_seconds(short_speech), abs=0.1)
    assert any("show no face" in w for w in result.warnings)


def test_a_looped_video_encodes_each_source_face_once(tmp_path, engine, face_video,
                                                     long_speech):
    request = EngineRequest(mode="video", video=face_video, audio=long_speech,
                            out_path=tmp_path / "unused.mp4")
    prepared = musetalk_engine.prepare(request, tmp_path, engine.runner())
    assert prepared.frame_count > 2 * len(prepared.video_frames)  # played back and forth
    new_keys = [key for batch in musetalk_engine.batches(prepared, 8) for key in batch.new_keys]
    faces = sum(box is not None for box in prepared.speakers[0].boxes)
    assert len(new_keys) == len(set(new_keys)) == faces == len(prepared.video_frames) - 10


def test_multi_mode_drives_two_faces_in_turn(tmp_path, engine, two_faces_image, tiny_speech):
    request = EngineRequest(mode="multi", image=two_faces_image, left_audio=tiny_speech,
                            right_audio=tiny_speech, order="left_right",
                            out_path=tmp_path / "multi.mp4")
    prepared = musetalk_engine.prepare(request, tmp_path, engine.runner())
    left, right = prepared.speakers
    own = round(audio_seconds(tiny_speech) * 25)
    assert prepared.frame_count == pytest.approx(2 * own, abs=1)
    assert left.active[:own].all() and not left.active[own + 1:].any()
    assert right.active[own + 1:].all() and not right.active[: own - 1].any()
    assert left.boxes[0][2] < right.boxes[0][0]  # left box left of the right box
    result = engine.render(request)
    assert [f["side"] for f in result.sync["faces"]] == ["left", "right"]
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


def test_without_folders_the_engine_refuses_with_one_line(monkeypatch, folders):
    for name in ("LIPSYNC_MUSETALK_UNET", "LIPSYNC_MUSETALK_VAE", "LIPSYNC_MUSETALK_WHISPER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(EngineError) as caught:
        get_engine("musetalk")
    assert str(caught.value) == ("The musetalk engine needs LIPSYNC_MUSETALK_UNET="
                                 "/path/to/musetalk (not set).")


def test_a_worker_without_folders_falls_back_to_the_default_engine(folders):
    assert usable_engine("musetalk") == (
        "lipsync", "LIPSYNC_ENGINE=musetalk needs LIPSYNC_MUSETALK_UNET=/path/to/musetalk "
        "(not set); this worker uses the default engine 'lipsync'.")
    paths = tuple(str(folder) for folder in folders)
    assert usable_engine("musetalk", musetalk_folders=paths) == ("musetalk", None)
