"""Media probes: content is sniffed and decoded; every failure names the input."""

import struct
import zlib

import pytest
from PIL import Image

from media_intake.errors import InputError
from media_intake.media import probe, probe_audio, probe_image, probe_video
from tests.media_intake.factories import (
    make_image,
    make_lying_matroska,
    make_streamed,
    run_ffmpeg_cli,
)


def fails(check, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        check(*args, **kwargs)
    return caught.value


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("image_png", "PNG"), ("image_jpeg", "JPEG"), ("image_webp", "WEBP"),
])
def test_reads_png_jpeg_and_webp(media, name, expected):
    info = probe_image(getattr(media, name), "formState.image")

    assert (info.width, info.height, info.format) == (300, 400, expected)


def test_extension_is_not_trusted(media, tmp_path):
    disguised = tmp_path / "photo.mp3"
    disguised.write_bytes(media.image_png.read_bytes())

    assert probe_image(disguised, "formState.image").format == "PNG"


@pytest.mark.parametrize("name", ["text", "audio_wav", "truncated_png", "image_gif"])
def test_non_images_refused(media, name):
    error = fails(probe_image, getattr(media, name), "formState.image")

    assert str(error) == "formState.image is not a PNG, JPEG or WebP image we can read."
    assert error.field == "formState.image"


def test_too_many_pixels_refused(tmp_path):
    # 8000x6000 = 48 megapixels in a few kB: refused from the header, before decoding.
    bomb = make_image(tmp_path / "bomb.png", (8000, 6000), mode="1")

    error = fails(probe_image, bomb, "formState.image")

    assert str(error) == (
        "formState.image is 8000x6000 pixels (48 megapixels); the maximum is 40 megapixels."
    )
    assert error.reason == "too_large"


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height; Pillow refuses it on open, before any pixel."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_decompression_bomb_refused(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(50_000, 50_000))  # 2.5 gigapixels

    error = fails(probe_image, bomb, "formState.mask_image")

    assert str(error) == "formState.mask_image has more pixels than the 40 megapixels limit."


def test_exif_rotation_gives_the_displayed_size(tmp_path):
    path = tmp_path / "sideways.jpg"
    image = Image.new("RGB", (400, 300), "white")
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    image.save(path, exif=exif)

    info = probe_image(path, "formState.image")

    assert (info.width, info.height) == (300, 400)


# --- audio ------------------------------------------------------------------------------------


def test_reads_wav_and_m4a(media):
    wav = probe_audio(media.audio_wav, "formState.audio")
    m4a = probe_audio(media.audio_m4a, "formState.audio")

    assert wav.duration_s == pytest.approx(1.5, abs=0.01)
    assert (wav.sample_rate, wav.channels) == (44100, 1)
    assert m4a.duration_s == pytest.approx(2.0, abs=0.05)


def test_duration_from_decoding_when_the_container_does_not_say(tmp_path):
    # Matroska written to a pipe has no duration in its header.
    path = make_streamed(tmp_path / "streamed.mka", "-f", "lavfi", "-i", "sine", "-t", "1.25")

    info = probe_audio(path, "formState.audio")

    assert info.duration_s == pytest.approx(1.25, abs=0.05)


@pytest.mark.parametrize("name", ["text", "image_png"])
def test_non_audio_refused(media, name):
    error = fails(probe_audio, getattr(media, name), "formState.left_audio")

    assert str(error).startswith("formState.left_audio is not an audio file we can read")


def test_too_long_audio_refused(tmp_path):
    long_audio = tmp_path / "long.wav"
    run_ffmpeg_cli("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "601",
                   "-c:a", "pcm_u8", str(long_audio))

    error = fails(probe_audio, long_audio, "formState.audio")

    assert str(error) == "formState.audio is 601 s long; the maximum is 600 s."
    assert error.reason == "too_long"


def test_too_long_audio_found_by_decoding(media, tmp_path):
    path = make_streamed(tmp_path / "streamed.mka", "-f", "lavfi", "-i", "sine", "-t", "3")

    error = fails(probe_audio, path, "formState.audio", max_seconds=1)

    assert error.reason == "too_long"


def test_video_with_sound_is_usable_as_audio(media):
    assert probe_audio(media.video_mp4, "formState.audio").duration_s == pytest.approx(1, abs=0.1)


# --- video ------------------------------------------------------------------------------------


def test_reads_video(media):
    info = probe_video(media.video_mp4, "formState.video")

    assert info.duration_s == pytest.approx(1.0, abs=0.05)
    assert (info.width, info.height, info.fps, info.has_audio) == (160, 120, 25.0, True)


def test_video_without_sound(media):
    assert probe_video(media.video_ramp, "formState.video").has_audio is False


@pytest.mark.parametrize("name", ["text", "image_png", "audio_wav"])
def test_non_video_refused(media, name):
    error = fails(probe_video, getattr(media, name), "formState.video")

    assert str(error).startswith("formState.video is not a video file we can read")


def test_too_long_video_refused(media):
    error = fails(probe_video, media.video_mp4, "formState.video", max_seconds=0.5)

    assert str(error) == "formState.video is 1 s long; the maximum is 0.5 s."


def test_video_length_counted_when_the_container_does_not_say(tmp_path):
    path = make_streamed(tmp_path / "streamed.mkv", "-f", "lavfi", "-i",
                         "testsrc=size=64x48:rate=20", "-t", "1")

    info = probe_video(path, "formState.video")

    assert info.duration_s == pytest.approx(1.0, abs=0.1)
    assert info.fps == 20


@pytest.mark.parametrize(("kind", "name"), [
    ("image", "image_png"), ("mask_image", "image_jpeg"), ("audio", "audio_wav"),
    ("video", "video_mp4"),
])
def test_probe_dispatches_by_kind(media, kind, name):
    assert probe(getattr(media, name), field=f"formState.{kind}", kind=kind) is not None


def test_playlists_never_open_urls(media_server, media, tmp_path):
    """An HLS playlist would make FFmpeg fetch its URLs (SSRF): it is refused unread."""
    media_server.serve_file("/segment.ts", media.video_mp4)
    playlist = tmp_path / "speech.m3u8"
    playlist.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n"
                        f"{media_server.url('/segment.ts')}\n#EXT-X-ENDLIST\n")

    for check, field in ((probe_audio, "formState.audio"), (probe_video, "formState.video")):
        assert fails(check, playlist, field).reason == "unreadable"
    assert media_server.requests == []


# --- files that lie about their length ---------------------------------------------------------


def test_an_audio_whose_header_claims_1_s_but_holds_120_s_measures_120_s(tmp_path):
    liar = make_lying_matroska(tmp_path / "liar.mka", claimed_seconds=1, seconds=120)
    assert probe_audio(liar, "formState.audio").duration_s == pytest.approx(120, abs=0.1)
    with pytest.raises(InputError) as refused:
        probe_audio(liar, "formState.audio", max_seconds=60)
    assert refused.value.reason == "too_long"
    assert str(refused.value).startswith("formState.audio is 6")  # decoding stopped past 60 s


def test_a_video_whose_header_claims_1_s_but_holds_120_s_measures_120_s(tmp_path):
    liar = make_lying_matroska(tmp_path / "liar.mkv", claimed_seconds=1, seconds=120, video=True)
    assert probe_video(liar, "formState.video").duration_s == pytest.approx(120, abs=0.1)
    with pytest.raises(InputError, match="the maximum is 60 s"):
        probe_video(liar, "formState.video", max_seconds=60)
