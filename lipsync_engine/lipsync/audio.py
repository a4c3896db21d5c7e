"""Audio -> mouth shapes per video frame.

Any input (already probed as audio) is decoded with PyAV to 16 kHz mono. pocketsphinx's shipped
phone model gives phones (transcript-free); each phone maps to a mouth shape (open, round, spread,
press for M/B/P, fv for lip-to-teeth). Targets are smoothed over ~40 ms (coarticulation: a shape
leans into its neighbours), bilabial closures are kept sharp, and loudness scales the opening. When
the phone model finds little speech in loud audio (singing, noise, other languages) a signal-only
track from the loudness envelope takes over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common import models
from ..common.pcm import SAMPLE_RATE, rms_db

HOP = 160  # 10 ms: pocketsphinx's frame
SHAPES = ("open", "round", "spread", "press", "fv")

# phone -> (open, round, spread, press, fv); CMU phone set of the en-us model.
_VOWELS = {
    "AA": (0.95, 0.0, 0.0), "AE": (0.80, 0.0, 0.3), "AH": (0.65, 0.0, 0.0),
    "AO": (0.80, 0.4, 0.0), "AW": (0.80, 0.3, 0.0), "AY": (0.80, 0.0, 0.2),
    "EH": (0.55, 0.0, 0.5), "ER": (0.35, 0.4, 0.0), "EY": (0.45, 0.0, 0.6),
    "IH": (0.40, 0.0, 0.5), "IY": (0.30, 0.0, 0.9), "OW": (0.55, 0.8, 0.0),
    "OY": (0.60, 0.6, 0.0), "UH": (0.35, 0.6, 0.0), "UW": (0.25, 1.0, 0.0),
}
_CONSONANTS = {
    "W": (0.15, 1.0, 0.0), "R": (0.25, 0.5, 0.0), "Y": (0.25, 0.0, 0.5), "L": (0.35, 0.0, 0.1),
    "CH": (0.25, 0.5, 0.0), "JH": (0.25, 0.5, 0.0), "SH": (0.25, 0.6, 0.0),
    "ZH": (0.25, 0.6, 0.0), "S": (0.15, 0.0, 0.5), "Z": (0.15, 0.0, 0.5),
    "T": (0.25, 0.0, 0.2), "D": (0.25, 0.0, 0.2), "N": (0.25, 0.0, 0.1),
    "TH": (0.20, 0.0, 0.2), "DH": (0.20, 0.0, 0.2), "K": (0.35, 0.0, 0.0),
    "G": (0.35, 0.0, 0.0), "NG": (0.30, 0.0, 0.0), "HH": (0.45, 0.0, 0.0),
}


def phone_shape(phone: str) -> tuple[float, float, float, float, float]:
    phone = phone.upper()
    if phone in ("M", "B", "P"):
        return (0.0, 0.0, 0.0, 1.0, 0.0)
    if phone in ("F", "V"):
        return (0.12, 0.0, 0.1, 0.0, 1.0)
    shape = _VOWELS.get(phone) or _CONSONANTS.get(phone)
    if shape is None:  # SIL and fillers (+NSN+, +SPN+, ...)
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    return (*shape, 0.0, 0.0)


@dataclass
class MouthTrack:
    """Per video frame, values in 0..1. `level` is the loudness (0 silent .. 1 loud)."""

    fps: float
    open: np.ndarray
    round: np.ndarray
    spread: np.ndarray
    press: np.ndarray
    fv: np.ndarray
    level: np.ndarray
    from_phones: bool  # False: the signal-only fallback drove the mouth

    @property
    def frames(self) -> int:
        return len(self.open)

    @classmethod
    def silent(cls, frames: int, fps: float) -> MouthTrack:
        zero = np.zeros(frames, np.float32)
        return cls(fps, zero, zero, zero, zero, zero, zero, True)

    def placed(self, offset: int, frames: int) -> MouthTrack:
        """This track on a timeline of `frames` frames, starting at frame `offset`; silent
        elsewhere."""
        def shift(values: np.ndarray) -> np.ndarray:
            out = np.zeros(frames, np.float32)
            end = min(frames, offset + len(values))
            if end > offset:
                out[offset:end] = values[: end - offset]
            return out

        return MouthTrack(self.fps, *(shift(getattr(self, name)) for name in
                                      (*SHAPES, "level")), self.from_phones)


def phones(pcm: np.ndarray) -> list[tuple[str, int, int]]:
    """(phone, first 10 ms frame, last 10 ms frame) from pocketsphinx's phone loop."""
    if len(pcm) < SAMPLE_RATE // 10:
        return []
    with models.phone_lock:
        decoder = models.phone_decoder()
        decoder.start_utt()
        decoder.process_raw(pcm.tobytes(), full_utt=True)
        decoder.end_utt()
        return [(seg.word, seg.start_frame, seg.end_frame) for seg in decoder.seg()]


def mouth_track(pcm: np.ndarray, fps: float, frames: int) -> MouthTrack:
    """Mouth shapes for `frames` video frames at `fps` from 16 kHz mono audio."""
    hops = max(1, int(np.ceil(len(pcm) / HOP)))
    level = _loudness(pcm, hops)
    targets = np.zeros((len(SHAPES), hops), np.float32)
    for phone, start, end in phones(pcm):
        targets[:, max(0, start): min(hops, end + 1)] = np.array(phone_shape(phone))[:, None]
    speech = targets[0] + targets[3] + targets[4] > 0
    loud = level > 0.3
    coverage = (speech & loud).sum() / max(1, loud.sum())
    from_phones = bool(loud.sum() == 0 or coverage >= 0.5)
    if from_phones:
        smooth = np.stack([_gaussian(row, 4.0) for row in targets])  # sigma 40 ms
        press = np.clip(_gaussian(targets[3], 1.5) * 1.6, 0, 1)  # closures stay sharp
        gain = 0.35 + 0.65 * level
        opening = smooth[0] * gain
        # Loud frames the phone loop called silence still move the mouth a little.
        opening = np.maximum(opening, np.where(speech, 0, 0.6 * level * (level > 0.35)))
        opening *= 1 - press
        shapes = [opening, smooth[1], smooth[2], press, np.clip(smooth[4] * 1.3, 0, 1)]
    else:
        opening = np.clip(level ** 1.2 * 0.85, 0, 1)
        zero = np.zeros_like(opening)
        shapes = [opening, zero, zero, zero, zero]
    per_frame = [_to_frames(values, fps, frames) for values in (*shapes, level)]
    return MouthTrack(fps, *per_frame, from_phones)


def _loudness(pcm: np.ndarray, hops: int) -> np.ndarray:
    """0..1 per 10 ms: 0 at 40 dB under the loud parts, 1 at them."""
    db = np.full(hops, -100.0, np.float32)
    measured = rms_db(pcm, HOP)
    db[: min(hops, len(measured))] = measured[:hops]
    peak = float(np.percentile(db, 95)) if hops else 0.0
    if peak < -60:  # silence
        return np.zeros(hops, np.float32)
    level = np.clip((db - (peak - 40.0)) / 40.0, 0, 1)
    return _gaussian(level, 2.0).astype(np.float32)


def _gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    radius = int(3 * sigma + 0.5)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values.astype(np.float32), radius, mode="edge")
    return np.convolve(padded, kernel, mode="valid").astype(np.float32)


def _to_frames(values: np.ndarray, fps: float, frames: int) -> np.ndarray:
    """10 ms values -> the mean over each video frame's span."""
    out = np.zeros(frames, np.float32)
    per_frame = 100.0 / fps
    for index in range(frames):
        start = int(index * per_frame)
        end = max(start + 1, int((index + 1) * per_frame))
        window = values[start:end]
        out[index] = window.mean() if len(window) else 0.0
    return out
