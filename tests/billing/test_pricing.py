import pytest

from billing.errors import JobTooLongError
from billing.pricing import billed_seconds, job_price, minimum_price


@pytest.mark.parametrize(
    ("resolution", "seconds", "credits"),
    [
        ("720p", 3, 20),  # the contract's example: 3 s is billed as the 5 s minimum
        ("480p", 10, 20),  # the contract's other example
        ("480p", 5, 10),
        ("720p", 10.2, 44),  # rounded up to 11 whole seconds
        ("480p", 5.001, 12),  # a millisecond over the minimum is a whole second more
        ("480p", 7.0000001, 14),  # probe noise below a millisecond is not a second
        ("480p", 0, 10),
        ("720p", 600, 2400),
    ],
)
def test_job_price_rounds_up_then_applies_the_minimum(resolution, seconds, credits):
    assert job_price(resolution=resolution, seconds=seconds) == credits


def test_prices_follow_the_operator_settings(settings):
    settings.LIPSYNC_CREDITS_PER_SECOND_720P = 10
    settings.LIPSYNC_MIN_BILLED_SECONDS = 2
    assert job_price(resolution="720p", seconds=3) == 30
    assert minimum_price(resolution="720p") == 20
    assert minimum_price(resolution="480p") == 4


def test_job_longer_than_the_maximum_is_refused_with_a_sentence():
    with pytest.raises(JobTooLongError) as caught:
        job_price(resolution="480p", seconds=600.5)
    assert str(caught.value) == (
        "The output would be 600.5 seconds long; the maximum is 600 seconds."
    )


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf"), "3"])
def test_job_price_refuses_nonsense_lengths(seconds):
    with pytest.raises(ValueError):
        job_price(resolution="480p", seconds=seconds)


def test_unknown_resolution_names_the_allowed_ones():
    with pytest.raises(ValueError, match="use one of 480p, 720p"):
        job_price(resolution="1080p", seconds=3)


def test_image_is_billed_for_the_audio():
    assert billed_seconds(model="lipsync-image", audio_seconds=3) == 3.0


def test_a_longer_video_is_trimmed_and_billed_for_the_audio():
    # The contract's rule: 20 s of video with 7.5 s of audio -> 7.5 s billed.
    assert billed_seconds(model="lipsync-video", audio_seconds=7.5, video_seconds=20) == 7.5


def test_a_shorter_video_is_extended_and_billed_for_the_video():
    # 8 s of video with 12 s of audio: the video is extended to 12 s, billed 8 s.
    assert billed_seconds(model="lipsync-video", audio_seconds=12, video_seconds=8) == 8.0
    # The 5 s minimum still applies: 3 s of video, 10 s of audio at 480p = 5 x 2 credits.
    seconds = billed_seconds(model="lipsync-video", audio_seconds=10, video_seconds=3)
    assert job_price(resolution="480p", seconds=seconds) == 10


def test_the_output_length_limit_applies_to_the_audio_of_an_extended_video(settings):
    settings.LIPSYNC_MAX_JOB_SECONDS = 60
    with pytest.raises(JobTooLongError):
        billed_seconds(model="lipsync-video", audio_seconds=61, video_seconds=5)


@pytest.mark.parametrize(
    ("order", "expected"), [("meanwhile", 8.0), ("left_right", 11.0), ("right_left", 11.0)]
)
def test_multi_is_billed_for_the_longer_track_or_both_in_turn(order, expected):
    assert billed_seconds(model="lipsync-image-multi", left_seconds=3, right_seconds=8,
                          order=order) == expected


def test_multi_defaults_to_meanwhile():
    assert billed_seconds(model="lipsync-image-multi", left_seconds=4, right_seconds=2) == 4.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "lipsync-video"},
        {"model": "lipsync-video", "audio_seconds": 3},
        {"model": "lipsync-image-multi", "left_seconds": 3},
        {"model": "lipsync-image-multi", "left_seconds": 3, "right_seconds": 2, "order": "x"},
        {"model": "lipsync-audio", "audio_seconds": 3},
        {"model": "lipsync-image", "audio_seconds": -2},
    ],
)
def test_billed_seconds_refuses_missing_or_unknown_inputs(kwargs):
    with pytest.raises(ValueError):
        billed_seconds(**kwargs)
