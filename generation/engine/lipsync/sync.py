"""The sync self-check: lip opening re-measured on the rendered frames against the audio.

No SyncNet weights exist in any package, so the check is geometric: a tracking face mesh on a
fixed crop of each rendered frame gives the inner-lip gap over the eye distance; it is correlated
with the audio's loudness envelope (dB, at the video rate) over lags of +-12 frames. A positive lag
means the lips come after the sound. The report (EngineResult.sync):

    {"method": "lip-gap-vs-loudness", "r": 0.71, "lag_frames": 0, "r_at_zero": 0.71,
     "frames": 250, "fps": 25.0, "ok": true, "faces": [...]}   # "faces": multi mode only

"r" is Pearson's r at the best lag; "ok" is false when |lag| > 2 frames or r < 0.3 (then a
warning is added too). For multi mode the top level is the worse of the two faces, each measured
over the frames where its own track plays.
"""

from __future__ import annotations

import numpy as np

from . import models
from .faces import LANDMARKS, Face, square_crop

MAX_LAG = 12
LOW_R = 0.3
MAX_GOOD_LAG = 2


class LipMeter:
    """Lip gap of one face through the rendered frames (a tracking mesh on a fixed crop)."""

    def __init__(self, slot: int, box) -> None:
        self.slot = slot
        self.box = box
        self.values: list[float] = []
        with models.lock:
            models.face_mesh_tracking(slot).reset()

    def measure(self, rgb: np.ndarray) -> None:
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


def correlate(gap: np.ndarray, envelope: np.ndarray, active: np.ndarray | None = None) -> dict:
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
    ok_flag = bool(not np.isnan(best_r) and best_r >= LOW_R and abs(best_lag) <= MAX_GOOD_LAG)
    return {"method": "lip-gap-vs-loudness", "r": _round(best_r), "lag_frames": int(best_lag),
            "r_at_zero": _round(at_zero), "frames": measured, "ok": ok_flag}


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 10 or np.std(a) < 1e-9 or np.std(b) < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _round(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 3)


def warning_for(report: dict, fps: float) -> str | None:
    if report.get("r") is None:
        return ("Lip-sync self-check: the lips could not be measured on the output "
                "(no face found in enough frames, or silent audio).")
    if report["ok"]:
        return None
    lag_ms = round(report["lag_frames"] * 1000 / fps)
    return (f"Lip-sync self-check: lip movement matches the audio weakly (r = {report['r']}, "
            f"best at {report['lag_frames']:+d} frames = {lag_ms:+d} ms).")
