"""Upload checks: the same caps and probes as fetched URLs, from a local file."""

import pytest

from media_intake.errors import InputError
from media_intake.media import AudioInfo, ImageInfo, VideoInfo
from media_intake.upload_checks import check_upload_size, check_uploaded_file, sniff_kind


@pytest.mark.parametrize(("kind", "name", "info_class"), [
    ("image", "image_png", ImageInfo),
    ("mask_image", "image_webp", ImageInfo),
    ("audio", "audio_m4a", AudioInfo),
    ("video", "video_mp4", VideoInfo),
])
def test_accepts_each_kind(media, kind, name, info_class):
    assert isinstance(check_uploaded_file(getattr(media, name), kind=kind), info_class)


@pytest.mark.parametrize(("kind", "message"), [
    ("image", "file is not a PNG, JPEG or WebP image we can read."),
    ("mask_image", "file is not a PNG, JPEG or WebP image we can read."),
    ("audio", "file is not an audio file we can read."),
    ("video", "file is not a video file we can read."),
])
def test_non_media_refused_for_each_kind(media, kind, message):
    with pytest.raises(InputError) as caught:
        check_uploaded_file(media.text, kind=kind)

    assert str(caught.value) == message
    assert caught.value.field == "file"


def test_size_cap_from_the_file_on_disk(media):
    with pytest.raises(InputError) as caught:
        check_uploaded_file(media.audio_wav, kind="audio", max_bytes=1000)

    assert str(caught.value) == "file is larger than the 1 kB limit for audio."
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize(("kind", "size", "message"), [
    ("image", 20_000_001, "file is larger than the 20 MB limit for images."),
    ("mask_image", 20_000_001, "file is larger than the 20 MB limit for mask images."),
    ("audio", 100_000_001, "file is larger than the 100 MB limit for audio."),
    ("video", 500_000_001, "file is larger than the 500 MB limit for videos."),
])
def test_declared_size_checked_before_reading(kind, size, message):
    with pytest.raises(InputError) as caught:
        check_upload_size(size, kind=kind)

    assert str(caught.value) == message


def test_default_caps_let_the_limit_itself_through():
    check_upload_size(20_000_000, kind="image")
    check_upload_size(500_000_000, kind="video")


def test_empty_upload_refused(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")

    with pytest.raises(InputError) as caught:
        check_uploaded_file(empty, kind="audio", field="formState.audio")

    assert str(caught.value) == "formState.audio is empty."


def test_unknown_kind_refused(media):
    with pytest.raises(InputError) as caught:
        check_uploaded_file(media.audio_wav, kind="document")

    assert str(caught.value) == "file must be one of: image, audio, video, mask_image."


@pytest.mark.parametrize(("name", "kind"), [
    ("image_jpeg", "image"), ("video_mp4", "video"), ("video_ramp", "video"),
    ("audio_wav", "audio"), ("audio_m4a", "audio"), ("text", None), ("image_gif", None),
])
def test_sniff_kind_from_content(media, name, kind):
    assert sniff_kind(getattr(media, name)) == kind
