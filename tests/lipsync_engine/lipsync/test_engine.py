"""The lipsync engine on a real face and real speech: format, sync, mask, seed, modes, failures."""

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest

from lipsync_engine import EngineInputError, EngineRequest, get_engine
from lipsync_engine.common import faces, sync
from lipsync_engine.common.pcm import decode_pcm, envelope_per_frame
from lipsync_engine.lipsync.engine import prepare
from tests.lipsync_engine.probes import audio_seconds, decoded_frames

pytest.importorskip("mediapipe", reason="mediapipe is not installed")
pytest.importorskip("pocketsphinx", reason="pocketsphinx is not installed")


def render(tmp_path: Path, name: str = "out.mp4", **fields):
    request = EngineRequest(out_path=tmp_path / name, **fields)
    return get_engine("lipsync").render(request)


def probe(path: Path) -> dict:
    with av.open(str(path)) as container:
        video, sound = container.streams.video[0], container.streams.audio[0]
        info = {
            "codec": video.codec_context.name, "pix_fmt": video.codec_context.pix_fmt,
            "width": video.codec_context.width, "height": video.codec_context.height,
            "fps": float(video.average_rate),
            "video_s": float(video.duration * video.time_base),
            "audio_codec": sound.codec_context.name,
        }
    data = path.read_bytes()
    info["faststart"] = 0 <= data.find(b"moov") < data.find(b"mdat")
    return info


def test_image_mode_output_has_the_contract_format(spoken, long_speech):
    info = probe(spoken.output_path)
    assert (info["codec"], info["pix_fmt"], info["audio_codec"]) == ("h264", "yuv420p", "aac")
    assert info["height"] == 480 and info["width"] % 2 == 0 and info["faststart"]
    assert info["fps"] == 25
    assert abs(info["video_s"] - audio_seconds(long_speech)) < 0.1
    assert spoken.duration_s == pytest.approx(audio_seconds(long_speech), abs=0.1)
    assert set(spoken.timings) == {"analysis", "render", "encode"}


def test_prompt_is_reported_as_unused(spoken):
    assert any("prompt" in warning and "not used" in warning for warning in spoken.warnings)


def test_the_sync_self_check_finds_the_lips_follow_the_speech(spoken):
    report = spoken.sync
    assert report["r"] >= 0.5, report
    assert abs(report["lag_frames"]) <= 1, report
    # The lips re-found on the output pixels, every 3rd frame of the ~8 s clip.
    assert report["method"] == "lip-gap-vs-loudness"
    assert report["ok"] and report["frames"] >= 60
    assert not any("self-check" in warning for warning in spoken.warnings)


def test_audio_shifted_by_ten_frames_is_detected(spoken, long_speech):
    frames = decoded_frames(spoken.output_path)
    face = faces.find_faces(frames[0], 1)[0]
    meter = sync.LipMeter(3, face.box)
    for frame in frames:
        meter.measure(frame)
    pcm = decode_pcm(long_speech)
    envelope = envelope_per_frame(pcm, 25, len(frames))
    aligned = sync.correlate(np.array(meter.values), envelope)
    assert aligned["r"] >= 0.5 and abs(aligned["lag_frames"]) <= 1
    late = np.concatenate([np.full(10, envelope.min()), envelope[:-10]])  # audio 10 frames late
    shifted = sync.correlate(np.array(meter.values), late)
    assert shifted["lag_frames"] in (-11, -10, -9), shifted
    assert shifted["r_at_zero"] < aligned["r"] - 0.2
    assert not shifted["ok"]
    assert "self-check" in sync.warning_for(shifted, 25)


def test_outside_the_mask_every_frame_is_the_source_pixel_for_pixel(tmp_path, face_image,
                                                                    short_speech, mask_image):
    mask = mask_image((512, 512), (150, 100, 290, 200), "mask.png")
    request = EngineRequest(mode="image", image=face_image, audio=short_speech, mask_image=mask,
                            seed=1, out_path=tmp_path / "unused.mp4")
    prepared = prepare(request, tmp_path)
    inside = prepared.mask
    assert inside.any() and not inside.all()
    changed = 0
    for source, rendered in prepared.frames():
        assert np.array_equal(rendered[~inside], source[~inside])
        changed += int((rendered[inside] != source[inside]).any())
    assert changed > prepared.frame_count // 2  # inside the mask it does move


def test_same_seed_gives_the_same_frames(tmp_path, face_image, short_speech):
    first = render(tmp_path, "a.mp4", mode="image", image=face_image, audio=short_speech, seed=11)
    second = render(tmp_path, "b.mp4", mode="image", image=face_image, audio=short_speech,
                    seed=11)
    other = render(tmp_path, "c.mp4", mode="image", image=face_image, audio=short_speech, seed=12)

    def digest(path):
        return hashlib.sha256(b"".join(f.tobytes() for f in decoded_frames(path))).hexdigest()

    assert digest(first.output_path) == digest(second.output_path)
    assert digest(first.output_path) != digest(other.output_path)  # idle motion is seeded


def test_an_image_without_a_face_fails_with_one_sentence(tmp_path, no_face_image, short_speech):
    with pytest.raises(EngineInputError) as caught:
        render(tmp_path, mode="image", image=no_face_image, audio=short_speech)
    assert caught.value.field == "formState.image"
    assert caught.value.message == ("formState.image has no face we can find; use a portrait "
                                    "where the face is clearly visible.")
    assert not (tmp_path / "out.mp4").exists()


def test_a_mask_that_covers_no_face_fails(tmp_path, face_image, short_speech, mask_image):
    mask = mask_image((512, 512), (0, 420, 100, 512), "corner.png")
    with pytest.raises(EngineInputError) as caught:
        render(tmp_path, mode="image", image=face_image, audio=short_speech, mask_image=mask)
    assert caught.value.field == "formState.mask_image"
    assert "covers no face" in caught.value.message


def test_multi_needs_two_faces(tmp_path, face_image, short_speech, other_speech):
    with pytest.raises(EngineInputError) as caught:
        render(tmp_path, mode="multi", image=face_image, left_audio=short_speech,
               right_audio=other_speech)
    assert caught.value.field == "formState.image"
    assert "fewer than two faces" in caught.value.message


def test_multi_one_after_the_other_drives_each_face_with_its_own_track(
        tmp_path, two_faces_image, short_speech, other_speech):
    result = render(tmp_path, mode="multi", image=two_faces_image, left_audio=short_speech,
                    right_audio=other_speech, order="left_right", seed=3)
    expected = audio_seconds(short_speech) + audio_seconds(other_speech)
    assert result.duration_s == pytest.approx(expected, abs=0.1)
    assert probe(result.output_path)["fps"] == 25
    sides = {face["side"]: face for face in result.sync["faces"]}
    assert set(sides) == {"left", "right"}
    # Each face's lips follow its own track, over the frames where that track plays.
    assert sides["left"]["r"] > 0.3 and sides["right"]["r"] > 0.3, result.sync
    # While the left one speaks, the right one's mouth stays closed (idle), and vice versa.
    request = EngineRequest(mode="multi", image=two_faces_image, left_audio=short_speech,
                            right_audio=other_speech, order="left_right", seed=3,
                            out_path=tmp_path / "unused.mp4")
    prepared = prepare(request, tmp_path)
    left, right = prepared.speakers
    left_frames = round(audio_seconds(short_speech) * 25)
    assert right.track.open[:left_frames].max() == 0
    assert left.track.open[left_frames + 2:].max() == 0
    assert left.track.open[:left_frames].max() > 0.3


def test_video_mode_plays_the_source_back_and_forth_and_keeps_its_rate(
        tmp_path, face_video, long_speech):
    result = render(tmp_path, mode="video", video=face_video, audio=long_speech, seed=1)
    info = probe(result.output_path)
    assert info["fps"] == 25 and info["height"] == 480
    assert result.duration_s == pytest.approx(audio_seconds(long_speech), abs=0.1)
    assert any("pass through unchanged" in warning for warning in result.warnings)
    # Every 3rd of ~200 frames, less those where the source shows no face.
    assert result.sync["r"] is not None and result.sync["frames"] > 40


def test_video_frames_without_a_face_pass_through_unchanged(tmp_path, face_video, short_speech):
    request = EngineRequest(mode="video", video=face_video, audio=short_speech,
                            out_path=tmp_path / "unused.mp4")
    prepared = prepare(request, tmp_path)
    assert prepared.frame_count == round(audio_seconds(short_speech) * 25)
    changed = {}
    for index, (source, rendered) in enumerate(prepared.frames()):
        _, source_index = prepared.source_frame(index)
        changed[source_index] = changed.get(source_index, False) or not np.array_equal(
            source, rendered)
    blank = [i for i in changed if prepared.video_points[i] is None]
    assert set(range(20, 30)) <= set(blank)
    assert not any(changed[i] for i in blank)
    assert sum(changed[i] for i in changed if i not in blank) > 10


def test_the_engine_is_registered_and_video_is_cut_to_a_shorter_audio(
        tmp_path, face_video, short_speech):
    engine = get_engine("lipsync")
    assert engine.name == "lipsync" and get_engine("lipsync") is engine
    result = render(tmp_path, mode="video", video=face_video, audio=short_speech,
                    resolution=720)
    assert probe(result.output_path)["height"] == 720
    assert result.duration_s == pytest.approx(audio_seconds(short_speech), abs=0.1)

