"""The sync self-check: mouth opening re-measured on the rendered frames against the audio.

No SyncNet weights exist in any package, so the check is geometric. Every rendered frame is
measured by `MouthMeter`: the dark area of the open mouth (cavity, shadowed teeth) in a window
around the lips, on a log scale as the loudness is (dB). A face mesh per frame would cost more
than the rendering itself, so the mesh-based `LipMeter` (inner-lip gap re-detected by a
tracking mesh) serves as the independent reference in tests and tools. Either series is
correlated with the audio's loudness envelope (dB, at the video rate) over lags of +-12 frames.
A positive lag means the lips come after the sound. The report (EngineResult.sync):

    {"method": "mouth-opening-vs-loudness", "r": 0.71, "lag_frames": 0, "r_at_zero": 0.71,
     "frames": 250, "fps": 25.0, "ok": true, "faces": [...]}   # "faces": multi mode only

"r" is Pearson's r at the best lag; "ok" is false when |lag| > 2 frames or r < 0.3 (then a
warning is added too). For multi mode the top level is the worse of the two faces, each measured
over the frames where its own track plays.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import models
from .faces import (
    LANDMARKS,
    LIPS_INNER_LOWER,
    LIPS_INNER_UPPER,
    LIPS_OUTER_LOWER,
    LIPS_OUTER_UPPER,
    Face,
    square_crop,
)

METHOD = "mouth-opening-vs-loudness"
MAX_LAG = 12
LOW_R = 0.3
MAX_GOOD_LAG = 2
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_DARK = 0.55  # of the lips' own brightness: darker than that is inside the mouth


class MouthMeter:
    """Dark area inside a window around the lips of each rendered frame (~0.05 ms a frame).

    The window and the darkness threshold come from the source picture's landmarks (where the
    face is, how bright its lips are), never from the rendered mouth; the value is measured on
    the rendered pixels only. `locate(points, source)` moves the window (video: per source frame).
    """

    method = METHOD

    def __init__(self, points: np.ndarray, source: np.ndarray) -> None:
        self.values: list[float] = []
        self.locate(points, source)

    def locate(self, points: np.ndarray, source: np.ndarray) -> None:
        outer = points[list(LIPS_OUTER_UPPER) + list(LIPS_OUTER_LOWER)]
        (x0, y0), (x1, y1) = outer.min(axis=0), outer.max(axis=0)
        mouth = max(float(x1 - x0), 1.0)
        # Room for a jaw that drops by about half a mouth width, and for small head motion.
        height, width = source.shape[:2]
        self.window = (int(max(0, x0 - 0.2 * mouth)), int(max(0, y0 - 0.2 * mouth)),
                       int(min(width, x1 + 0.2 * mouth)), int(min(height, y1 + 0.6 * mouth)))
        self.threshold = _DARK * _lip_luma(points, source)

    def measure(self, rgb: np.ndarray) -> None:
        x0, y0, x1, y1 = self.window
        crop = rgb[y0:y1, x0:x1]
        if crop.size == 0:
            self.values.append(np.nan)
            return
        luma = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
        self.values.append(float(np.log1p(np.count_nonzero(luma < self.threshold))))


def _lip_luma(points: np.ndarray, source: np.ndarray) -> float:
    """Median brightness halfway between the outer and inner lip lines of the source."""
    inner = points[list(LIPS_INNER_UPPER) + list(LIPS_INNER_LOWER)]
    outer = points[list(LIPS_OUTER_UPPER) + list(LIPS_OUTER_LOWER)]
    middle = np.round((inner + outer) / 2).astype(int)
    height, width = source.shape[:2]
    xs, ys = np.clip(middle[:, 0], 0, width - 1), np.clip(middle[:, 1], 0, height - 1)
    return float(np.median(source[ys, xs].astype(np.float32) @ _LUMA))


class LipMeter:
    """Lip gap of one face through the rendered frames (a tracking mesh on a fixed crop)."""

    method = "lip-gap-vs-loudness"

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
    ok_flag = bool(not np.isnan(best_r) and best_r >= LOW_R and abs(best_lag) <= MAX_GOOD_LAG)
    return {"method": method, "r": _round(best_r), "lag_frames": int(best_lag),
            "r_at_zero": _round(at_zero), "frames": measured, "ok": ok_flag}


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
        report = correlate(np.array(meter.values), speaker.envelope, speaker.active,
                           meter.method)
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
    lag_ms = round(report["lag_frames"] * 1000 / fps)
    return (f"Lip-sync self-check: lip movement matches the audio weakly (r = {report['r']}, "
            f"best at {report['lag_frames']:+d} frames = {lag_ms:+d} ms).")
