"""The still engine writes real MP4s of the contract's shape, probed back with PyAV."""

import array
from dataclasses import dataclass

import av
import pytest

from lipsync_engine import EngineCancelled, EngineInputError, EngineRequest, get_engine
from lipsync_engine.still import engine as still_module
from tests.media_intake.factories import make_audio, make_image, make_video


@dataclass
class Output:
    video_codec: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    video_s: float
    frames: int
    audio_codec: str
    sample_rate: int
    channels: int
    audio_s: float
    faststart: bool


def probe_output(path) -> Output:
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        output = Output(
            video_codec=video.codec_context.name,
            pix_fmt=video.codec_context.pix_fmt,
            width=video.codec_context.width,
            height=video.codec_context.height,
            fps=float(video.average_rate),
            video_s=float(video.duration * video.time_base),
            frames=video.frames,
            audio_codec=audio.codec_context.name,
            sample_rate=audio.codec_context.sample_rate,
            channels=audio.codec_context.layout.nb_channels,
            audio_s=float(audio.duration * audio.time_base),
            faststart=False,
        )
    data = path.read_bytes()
    output.faststart = 0 <= data.find(b"moov") < data.find(b"mdat")
    return output


def mean_brightness(path) -> list[float]:
    """Mean luma of every decoded frame."""
    with av.open(str(path)) as container:
        values = []
        for frame in container.decode(video=0):
            plane = bytes(frame.planes[0])
            values.append(sum(plane) / len(plane))
    return values


def audio_levels(path) -> list[float]:
    """Absolute sample values of the first channel, as floats (decoded without numpy)."""
    levels = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=8000)
        for frame in container.decode(audio=0):
            for mono in resampler.resample(frame):
                values = array.array("f", bytes(mono.planes[0]))[: mono.samples]
                levels.extend(abs(value) for value in values)
    return levels


def render(tmp_path, **fields):
    fields.setdefault("out_path", tmp_path / "out" / "result.mp4")
    return get_engine("still").render(EngineRequest(**fields))


def assert_contract_shape(output: Output, height: int, width: int, fps: float, seconds: float):
    assert (output.video_codec, output.pix_fmt) == ("h264", "yuv420p")
    assert (output.audio_codec, output.sample_rate, output.channels) == ("aac", 48000, 2)
    assert (output.width, output.height) == (width, height)
    assert output.fps == pytest.approx(fps)
    assert output.video_s == pytest.approx(seconds, abs=1 / fps + 0.01)
    assert output.audio_s == pytest.approx(seconds, abs=0.1)
    assert output.faststart


# --- image mode -------------------------------------------------------------------------------


@pytest.mark.parametrize(("resolution", "width"), [(480, 320), (720, 480)])
def test_image_mode_has_the_audio_length_at_25_fps(media, tmp_path, resolution, width):
    image = make_image(tmp_path / "odd.png", (333, 500))  # 333/500*480 = 319.7 -> even 320

    result = render(tmp_path, mode="image", image=image, audio=media.audio_wav,
                    resolution=resolution)

    assert_contract_shape(probe_output(result.output_path), resolution, width, 25, 1.5)
    assert (result.width, result.height, result.fps) == (width, resolution, 25)
    assert result.duration_s == pytest.approx(1.5, abs=0.05)
    assert set(result.timings) == {"analysis", "render", "encode"}
    assert all(isinstance(ms, int) and ms >= 0 for ms in result.timings.values())
    assert result.sync is None


def test_prompt_is_accepted_and_reported_unused(media, tmp_path):
    result = render(tmp_path, mode="image", image=media.image_jpeg, audio=media.audio_short,
                    prompt="smile more")

    assert "prompt was accepted but is not used by this engine." in result.warnings


def test_mask_image_is_accepted(media, tmp_path):
    result = render(tmp_path, mode="image", image=media.image_png, audio=media.audio_short,
                    mask_image=media.image_webp, seed=7)

    assert result.output_path.exists()


def test_progress_runs_from_start_to_end(media, tmp_path):
    seen = []

    render(tmp_path, mode="image", image=media.image_png, audio=media.audio_short,
           progress=seen.append)

    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)


# --- multi mode -------------------------------------------------------------------------------


@pytest.mark.parametrize(("order", "seconds"), [
    ("meanwhile", 2.0),  # the longer of 1.5 s and 2 s
    ("left_right", 3.5),  # one after the other
    ("right_left", 3.5),
])
def test_multi_mode_length_follows_the_order(media, tmp_path, order, seconds):
    result = render(tmp_path, mode="multi", image=media.image_png, left_audio=media.audio_wav,
                    right_audio=media.audio_m4a, order=order, resolution=720)

    assert_contract_shape(probe_output(result.output_path), 720, 540, 25, seconds)


def test_multi_concatenation_puts_the_first_speaker_first(tmp_path, media):
    silent = tmp_path / "silent.wav"
    make_audio(silent, 1, extra=("-af", "volume=0"))
    loud = make_audio(tmp_path / "loud.wav", 1)

    def loudness_by_half(order):
        out = tmp_path / f"{order}.mp4"
        render(tmp_path, mode="multi", image=media.image_png, left_audio=silent,
               right_audio=loud, order=order, out_path=out)
        levels = audio_levels(out)
        half = len(levels) // 2
        return sum(levels[:half]), sum(levels[half:])

    first, second = loudness_by_half("left_right")
    assert first < second  # the silent left speaker first
    first, second = loudness_by_half("right_left")
    assert first > second


# --- video mode -------------------------------------------------------------------------------


@pytest.mark.parametrize(("resolution", "width"), [(480, 640), (720, 960)])
def test_video_mode_is_cut_to_a_shorter_audio(media, tmp_path, resolution, width):
    # 1.2 s of video, 1 s of audio: cut to 1 s, at the source's 25 fps.
    result = render(tmp_path, mode="video", video=media.video_ramp, audio=media.audio_short,
                    resolution=resolution)

    output = probe_output(result.output_path)
    assert_contract_shape(output, resolution, width, 25, 1.0)
    assert output.frames == 25


def test_video_mode_replaces_the_sound(media, tmp_path):
    # The source clip has a tone; new silent audio must leave the output silent.
    silent = make_audio(tmp_path / "silent.wav", 1, extra=("-af", "volume=0"))

    result = render(tmp_path, mode="video", video=media.video_mp4, audio=silent)

    assert max(audio_levels(result.output_path)) < 0.001
    assert max(audio_levels(media.video_mp4)) > 0.1


def test_video_mode_ping_pongs_when_the_audio_is_longer(media, tmp_path, monkeypatch):
    # Chunks of 0.4 s make the backward copy out of several pieces, as a long video would be.
    monkeypatch.setattr(still_module, "REVERSE_CHUNK_SECONDS", 0.4)
    audio = make_audio(tmp_path / "long.wav", 3)

    result = render(tmp_path, mode="video", video=media.video_ramp, audio=audio)

    output = probe_output(result.output_path)
    assert_contract_shape(output, 480, 640, 25, 3.0)
    brightness = mean_brightness(result.output_path)
    assert len(brightness) == 75
    # The source (30 frames) brightens steadily: forward, backward, forward again.
    forward, backward, again = brightness[:30], brightness[30:60], brightness[60:]
    assert forward == sorted(forward) and forward[-1] > forward[0] + 20
    assert backward == sorted(backward, reverse=True)
    assert backward[0] == pytest.approx(forward[-1], abs=2)
    assert backward[-1] == pytest.approx(forward[0], abs=2)
    assert again == sorted(again)


def test_video_frame_rate_capped_at_30(tmp_path, media):

    fast = make_video(tmp_path / "fast.mp4", 1.2, fps=50)

    result = render(tmp_path, mode="video", video=fast, audio=media.audio_short)

    assert probe_output(result.output_path).fps == 30
    assert result.fps == 30


# --- failures ---------------------------------------------------------------------------------


def test_bad_input_is_an_engine_input_error(media, tmp_path):
    with pytest.raises(EngineInputError) as caught:
        render(tmp_path, mode="image", image=media.text, audio=media.audio_wav)

    assert caught.value.field == "formState.image"
    assert str(caught.value) == "formState.image is not a PNG, JPEG or WebP image we can read."


def test_cancel_before_start_writes_nothing(media, tmp_path):
    out = tmp_path / "out" / "result.mp4"

    with pytest.raises(EngineCancelled):
        render(tmp_path, mode="image", image=media.image_png, audio=media.audio_wav,
               out_path=out, should_cancel=lambda: True)

    assert not out.exists()


def test_cancel_during_encoding_stops_and_cleans_up(media, tmp_path):
    out = tmp_path / "out" / "result.mp4"
    audio = make_audio(tmp_path / "long.wav", 60, rate=8000)
    progress = []

    def cancelled_once_encoding_moves() -> bool:
        return bool(progress) and progress[-1] > still_module._PROGRESS_AFTER["render"]

    with pytest.raises(EngineCancelled):
        render(tmp_path, mode="image", image=media.image_png, audio=audio, out_path=out,
               progress=progress.append, should_cancel=cancelled_once_encoding_moves)

    assert progress[-1] < 1.0  # stopped inside the encode, not after it
    assert list(out.parent.iterdir()) == []  # no output, no partial file, no work folder


def test_request_rejects_programming_errors(media, tmp_path):
    with pytest.raises(ValueError, match="needs audio"):
        EngineRequest(mode="image", image=media.image_png, out_path=tmp_path / "x.mp4")
    with pytest.raises(ValueError, match="resolution"):
        EngineRequest(mode="image", image=media.image_png, audio=media.audio_wav,
                      resolution=1080, out_path=tmp_path / "x.mp4")
    with pytest.raises(ValueError, match="takes no video"):
        EngineRequest(mode="image", image=media.image_png, audio=media.audio_wav,
                      video=media.video_mp4, out_path=tmp_path / "x.mp4")
