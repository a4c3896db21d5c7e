"""The sync check for any video: lip opening measured on its pixels against an audio track.

    python -m lipsync_engine check --video FILE [--audio FILE]

Nothing here knows what an engine painted. On every `step`-th frame the face is detected afresh
and a tracking face mesh re-finds the lip landmarks on those pixels (`sync.LipMeter`); frames
where no face is found are left out. The inner-lip gap is correlated with the audio's loudness
envelope (the video's own track unless another is given) at lags of +-12 frames
(`sync.correlate`): `ok` when r >= 0.3 at a lag of at most 2 frames, and the lips really move
(`sync.lips_move`). The job's own report uses the same meter, on every 3rd frame.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from .common.faces import detect_boxes
from .common.pcm import decode_pcm, envelope_per_frame
from .common.sync import LipMeter, correlate, lips_move

STEP = 2  # measure every 2nd frame: lips move slower than 12.5 Hz, and the mesh costs ~10 ms
REPORT_KEYS = ("method", "r", "lag_frames", "ok", "frames")


def check_video(video: Path, audio: Path | None = None, step: int = STEP) -> dict:
    """{"method", "r" (None when unmeasurable), "lag_frames", "ok", "frames" (measured)}."""
    gaps, fps = lip_gaps(video, step)
    envelope = envelope_per_frame(decode_pcm(audio or video), fps, len(gaps))
    report = correlate(gaps, envelope, method=LipMeter.method)
    if not lips_move(gaps):
        report["ok"] = False
    return {key: report[key] for key in REPORT_KEYS}


def lip_gaps(video: Path, step: int = STEP) -> tuple[np.ndarray, float]:
    """The inner-lip gap per frame (NaN where not measured) and the video's frame rate."""
    meter = LipMeter(0, None)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 25)
        for index, frame in enumerate(container.decode(stream)):
            if index % step:
                meter.values.append(np.nan)
                continue
            _measure(meter, frame.to_ndarray(format="rgb24"))
    return np.array(meter.values, np.float64), fps


def _measure(meter: LipMeter, rgb: np.ndarray) -> None:
    boxes = detect_boxes(rgb)
    if not boxes:
        meter.values.append(np.nan)
        return
    meter.box = boxes[0]  # the largest face
    meter.measure(rgb)
