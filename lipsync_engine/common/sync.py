"""The sync self-check: the lips re-found on the rendered pixels, against the audio.

No SyncNet weights exist in any package, so the check is geometric, and it measures what a
viewer sees: on every `step`-th frame a tracking face mesh re-detects the lip landmarks on the
output pixels (`LipMeter`), nothing of what the engine meant to draw. The inner-lip gap (over
the eye distance) is correlated with the audio's loudness envelope (dB, at the video rate) over
lags of +-12 frames, only over the frames measured. A positive lag means the lips come after
the sound. The job's report (EngineResult.sync) and `python -m lipsync_engine check` use the
same measure:

    {"method": "lip-gap-vs-loudness", "r": 0.71, "lag_frames": 0, "r_at_zero": 0.71,
     "frames": 83, "fps": 25.0, "ok": true, "faces": [...]}   # "faces": multi mode only

"r" is Pearson's r at the best lag; "ok" is false when |lag| > 2 frames, r < 0.3, the lips
do not move (a still mouth's gap jitters by ~0.001 eye distances, a speaking one's by ~0.03: the
jitter of a still mouth can correlate with speech by chance, and is no lip-sync), or the audio
holds no speech ("speech": false; its loudness spans under 6 dB, where speech spans ~50 dB
between pauses and vowels: a closed mouth's jitter against a room's noise is no lip-sync
either); then a warning is added too. For multi mode the top level is the worse of the two
faces, each measured over the frames where its own track plays.
"""

from __future__ import annotations

import numpy as np

from . import models
from .faces import LANDMARKS, Face, square_crop

METHOD = "lip-gap-vs-loudness"
MAX_LAG = 12
LOW_R = 0.3
MAX_GOOD_LAG = 2
MIN_LIP_MOTION = 0.005  # standard deviation of the gap (in eye distances) of lips that move
MIN_SPEECH_RANGE_DB = 6.0  # loudness range (5th to 95th percentile) of audio that holds speech
JOB_STEP = 3  # a job measures every 3rd frame: ~2 ms a frame, a few % of a 720p render


class LipMeter:
    """Lip gap of one face through the rendered frames (a tracking mesh on a crop around `box`,
    on every `step`-th frame; NaN for the others and where no face is found)."""

    method = METHOD

    def __init__(self, slot: int, box, step: int = 1) -> None:
        self.slot = slot
        self.box = box
        self.step = step
        self.values: list[float] = []
        with models.lock:
            models.face_mesh_tracking(slot).reset()

    def measure(self, rgb: np.ndarray) -> None:
        if len(self.values) % self.step or self.box is None:
            self.values.append(np.nan)
            return
        crop, (ox, oy) = square_crop(rgb, self.box, 1.6)
        with models.lock:
            result = models.face_mesh_tracking(self.slot).process(crop)
        if not result.multi_face_landmarks:
            self.values.append(np.nan)
            return
        height, width = crop.shape[:2]
        points = np.array([(p.x * width, p.y * height)
                           for p in result.multi_face_landmarks[0].landmark[:LANDMARKS]],
                          np.float32)
        self.values.append(Face(points).lip_gap)


def lips_move(values) -> bool:
    """The measured gaps vary as a speaking mouth's do (not a still mouth's jitter)."""
    measured = np.asarray(values, np.float64)
    measured = measured[~np.isnan(measured)]
    return len(measured) > 0 and float(np.std(measured)) >= MIN_LIP_MOTION


def correlate(gap: np.ndarray, envelope: np.ndarray, active: np.ndarray | None = None,
              method: str = METHOD) -> dict:
    """Pearson r of lip gap and loudness at each lag; the best one."""
    gap = np.asarray(gap, np.float64)
    envelope = np.asarray(envelope, np.float64)
    frames = min(len(gap), len(envelope))
    gap, envelope = gap[:frames], envelope[:frames]
    usable = ~np.isnan(gap)
    if active is not None:
        usable &= np.asarray(active[:frames], bool)
    best_r, best_lag, at_zero = float("nan"), 0, float("nan")
    for lag in range(-MAX_LAG, MAX_LAG + 1):
        # lag > 0: the lips at frame i + lag go with the sound at frame i.
        if lag >= 0:
            a, b, ok = gap[lag:], envelope[: frames - lag], usable[lag:] & usable[: frames - lag]
        else:
            a, b, ok = gap[:lag], envelope[-lag:], usable[:lag] & usable[-lag:]
        r = _pearson(a[ok], b[ok])
        if lag == 0:
            at_zero = r
        if not np.isnan(r) and (np.isnan(best_r) or r > best_r):
            best_r, best_lag = r, lag
    measured = int(usable.sum())
    speech = holds_speech(envelope[usable])
    ok_flag = bool(not np.isnan(best_r) and best_r >= LOW_R and abs(best_lag) <= MAX_GOOD_LAG
                   and speech)
    return {"method": method, "r": _round(best_r), "lag_frames": int(best_lag),
            "r_at_zero": _round(at_zero), "frames": measured, "ok": ok_flag, "speech": speech}


def holds_speech(envelope: np.ndarray) -> bool:
    """The loudness rises and falls as speech does (not silence or a steady noise)."""
    if len(envelope) == 0:
        return False
    low, high = np.percentile(envelope, [5, 95])
    return bool(high - low >= MIN_SPEECH_RANGE_DB)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 10 or np.std(a) < 1e-9 or np.std(b) < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _round(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 3)


def speakers_report(meters: list, speakers: list, mode: str, fps: float) -> dict:
    """The report of a render: one meter per speaker (each with `.envelope` and `.active`);
    multi mode: the worse face at the top level, both under "faces"."""
    if not meters:
        return {"method": METHOD, "r": None, "lag_frames": 0, "r_at_zero": None,
                "frames": 0, "fps": fps, "ok": False}
    reports = []
    for meter, speaker in zip(meters, speakers, strict=True):
        values = np.array(meter.values, np.float64)
        report = correlate(values, speaker.envelope, speaker.active, meter.method)
        if speaker.active is not None:
            values = values[: len(speaker.active)][np.asarray(speaker.active, bool)[
                : len(values)]]
        report["ok"] = report["ok"] and lips_move(values)
        report["fps"] = fps
        reports.append(report)
    if mode != "multi" or len(reports) == 1:
        return reports[0]
    sides = ["left", "right"] if len(speakers) == 2 else ["face"]
    worst = min(reports, key=lambda r: -1.0 if r["r"] is None else r["r"])
    return {**worst, "faces": [{"side": side, **report}
                               for side, report in zip(sides, reports, strict=False)]}


def warning_for(report: dict, fps: float) -> str | None:
    if report.get("r") is None:
        return ("Lip-sync self-check: the lips could not be measured on the output "
                "(no face found in enough frames, or silent audio).")
    if report["ok"]:
        return None
    if report.get("speech") is False:
        return ("Lip-sync self-check: the audio holds no speech (its loudness hardly changes), "
                "so there is nothing for the lips to follow.")
    lag_ms = round(report["lag_frames"] * 1000 / fps)
    return (f"Lip-sync self-check: lip movement matches the audio weakly (r = {report['r']}, "
            f"best at {report['lag_frames']:+d} frames = {lag_ms:+d} ms).")
