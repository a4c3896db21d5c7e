"""Audio as the engines read it: 16 kHz mono int16 samples, and their loudness per video frame
(what the sync check correlates the lips with)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from media_intake.limits import MAX_MEDIA_SECONDS
from media_intake.media import DECODE_MARGIN_S

SAMPLE_RATE = 16000


def decode_pcm(path: Path, max_seconds: float = MAX_MEDIA_SECONDS + DECODE_MARGIN_S
               ) -> np.ndarray:
    """The first audio stream of a (probed, local) file as 16 kHz mono int16, at most
    `max_seconds` of it: a file that lies about its length is never decoded in full."""
    chunks = []
    limit = int(max_seconds * SAMPLE_RATE)
    decoded = 0
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
                decoded += len(chunks[-1])
            if decoded >= limit:
                break
        else:
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        return np.zeros(0, np.int16)
    return np.concatenate(chunks)[:limit].astype(np.int16)


def rms_db(pcm: np.ndarray, hop: int) -> np.ndarray:
    """RMS level in dB per window of `hop` samples (float hop: windows at fractional steps)."""
    count = int(np.floor(len(pcm) / hop))
    if count == 0:
        return np.full(1, -100.0, np.float32)
    samples = pcm.astype(np.float64) / 32768.0
    edges = np.round(np.arange(count + 1) * hop).astype(int)
    power = np.add.reduceat(samples[: edges[-1]] ** 2, edges[:-1]) / np.diff(edges)
    return (10 * np.log10(power + 1e-10)).astype(np.float32)


def envelope_per_frame(pcm: np.ndarray, fps: float, frames: int) -> np.ndarray:
    """The loudness envelope (dB, floored 50 dB under its peak) at the video rate; for the sync
    check."""
    levels = rms_db(pcm, SAMPLE_RATE / fps)
    out = np.full(frames, levels.min() if len(levels) else -100.0, np.float32)
    out[: min(frames, len(levels))] = levels[:frames]
    peak = np.percentile(out, 98) if len(out) else 0.0
    return np.maximum(out, peak - 50.0)
