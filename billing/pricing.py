"""What a job costs (the contract's Credits section); the numbers are operator settings.

price = max(whole seconds of output, minimum) x credits per second at the output resolution.
Examples with the defaults: 3 s at 720p = 5 s x 4 = 20 credits; 10 s at 480p = 10 x 2 = 20.
"""

import math

from django.conf import settings

from billing.errors import JobTooLongError

MODELS = ("lipsync-video", "lipsync-image", "lipsync-image-multi")
ORDERS = ("meanwhile", "left_right", "right_left")


def credits_per_second(*, resolution: str) -> int:
    rates = {
        "480p": settings.LIPSYNC_CREDITS_PER_SECOND_480P,
        "720p": settings.LIPSYNC_CREDITS_PER_SECOND_720P,
    }
    if resolution not in rates:
        raise ValueError(f"Unknown resolution {resolution!r}; use one of {', '.join(rates)}.")
    return rates[resolution]


def minimum_price(*, resolution: str) -> int:
    return settings.LIPSYNC_MIN_BILLED_SECONDS * credits_per_second(resolution=resolution)


def job_price(*, resolution: str, seconds: float) -> int:
    """Credits for `seconds` of output; raises JobTooLongError past LIPSYNC_MAX_JOB_SECONDS."""
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"The output length must be a number of seconds >= 0, not {seconds!r}.")
    if seconds > settings.LIPSYNC_MAX_JOB_SECONDS:
        raise JobTooLongError(seconds=seconds, maximum=settings.LIPSYNC_MAX_JOB_SECONDS)
    return charged_seconds(seconds) * credits_per_second(resolution=resolution)


def charged_seconds(seconds: float) -> int:
    """The whole seconds charged for `seconds` of output: rounded up, at least the minimum."""
    # Rounded to the millisecond first, so that a probe's 3.0000001 s is billed as 3 s, not 4.
    return max(math.ceil(round(seconds, 3)), settings.LIPSYNC_MIN_BILLED_SECONDS)


def billed_seconds(
    *,
    model: str,
    audio_seconds: float | None = None,
    video_seconds: float | None = None,
    left_seconds: float | None = None,
    right_seconds: float | None = None,
    order: str = "meanwhile",
) -> float:
    """The seconds a job is billed for (the contract's "Billed seconds", as on lipsync.studio).

    lipsync-video outputs the audio's length: a longer video is trimmed and billed on the
    audio's length, a shorter one extended and billed on the video's length (so the shorter of
    the two). lipsync-image bills the audio; lipsync-image-multi the longer track when both play
    at once (`meanwhile`), else both tracks one after the other.
    """
    if model == "lipsync-video":
        audio = _length("audio_seconds", audio_seconds)
        if audio > settings.LIPSYNC_MAX_JOB_SECONDS:  # the output is the audio's length
            raise JobTooLongError(seconds=audio, maximum=settings.LIPSYNC_MAX_JOB_SECONDS)
        return min(audio, _length("video_seconds", video_seconds))
    if model == "lipsync-image":
        return _length("audio_seconds", audio_seconds)
    if model == "lipsync-image-multi":
        left = _length("left_seconds", left_seconds)
        right = _length("right_seconds", right_seconds)
        if order not in ORDERS:
            raise ValueError(f"Unknown order {order!r}; use one of {', '.join(ORDERS)}.")
        return max(left, right) if order == "meanwhile" else left + right
    raise ValueError(f"Unknown model {model!r}; use one of {', '.join(MODELS)}.")


def _length(name: str, value: float | None) -> float:
    if value is None:
        raise ValueError(f"{name} is required for this model.")
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number of seconds >= 0, not {value!r}.")
    return float(value)
