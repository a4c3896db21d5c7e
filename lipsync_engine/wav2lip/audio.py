"""The audio front end the Wav2Lip checkpoints were trained with, in numpy. No torch, no Django.

16 kHz mono, pre-emphasis 0.97, a centred STFT (n_fft 800, hop 200, Hann window 800, reflect
padding), the magnitude through an 80-band Slaney mel filterbank (55..7600 Hz, area-normalised),
20*log10 with a 1e-5 floor, minus the 20 dB reference level, then mapped from [-100, 0] dB onto
[-4, 4] and clipped. That gives 80 mel frames per second; video frame i at `fps` reads the 16
frames from int(80 * i / fps), the last windows clamped to the end of the audio.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
PREEMPHASIS = 0.97
N_FFT = 800
HOP = 200
WIN = 800
N_MELS = 80
FMIN = 55.0
FMAX = 7600.0
REF_LEVEL_DB = 20.0
MIN_LEVEL_DB = -100.0
MAX_ABS_VALUE = 4.0
MEL_STEP = 16  # mel frames per window (0.2 s)
MEL_FPS = SAMPLE_RATE / HOP  # 80 mel frames per second


def melspectrogram(wav: np.ndarray) -> np.ndarray:
    """(80, frames) normalised log-mel of float audio in [-1, 1] at 16 kHz."""
    wav = np.asarray(wav, np.float64)
    if len(wav) == 0:
        wav = np.zeros(1)
    magnitude = np.abs(_stft(preemphasis(wav)))
    mel = mel_filterbank() @ magnitude
    db = 20 * np.log10(np.maximum(1e-5, mel)) - REF_LEVEL_DB
    return _normalize(db).astype(np.float32)


def preemphasis(wav: np.ndarray, k: float = PREEMPHASIS) -> np.ndarray:
    """y[n] = x[n] - k x[n-1] (the first sample kept): a first-order high-pass."""
    out = np.array(wav, np.float64)
    out[1:] -= k * wav[:-1]
    return out


def _stft(wav: np.ndarray) -> np.ndarray:
    """(1 + N_FFT/2, frames) complex STFT; frames centred on multiples of HOP."""
    pad = N_FFT // 2
    mode = "reflect" if len(wav) > pad else "constant"  # reflect needs more samples than pad
    padded = np.pad(wav, pad, mode=mode)
    frames = 1 + (len(padded) - N_FFT) // HOP
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    return np.fft.rfft(padded[index] * _hann(WIN), n=N_FFT, axis=1).T


def _hann(length: int) -> np.ndarray:
    # The periodic Hann window (scipy's get_window("hann", n, fftbins=True)), as STFTs use.
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)


def _normalize(db: np.ndarray) -> np.ndarray:
    scaled = 2 * MAX_ABS_VALUE * ((db - MIN_LEVEL_DB) / -MIN_LEVEL_DB) - MAX_ABS_VALUE
    return np.clip(scaled, -MAX_ABS_VALUE, MAX_ABS_VALUE)


def hz_to_mel(hz):
    """The Slaney mel scale: linear to 1 kHz (3 mel per 200 Hz), logarithmic above."""
    hz = np.asarray(hz, np.float64)
    linear = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, linear)


def mel_to_hz(mel):
    mel = np.asarray(mel, np.float64)
    linear = mel * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log_part, linear)


_FILTERBANK: np.ndarray | None = None


def mel_filterbank() -> np.ndarray:
    """(80, 401) triangular filters on the Slaney scale, each scaled to unit area (norm='slaney').

    Equal to librosa.filters.mel(sr=16000, n_fft=800, n_mels=80, fmin=55, fmax=7600)."""
    global _FILTERBANK
    if _FILTERBANK is None:
        fft_hz = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
        edges = mel_to_hz(np.linspace(hz_to_mel(FMIN), hz_to_mel(FMAX), N_MELS + 2))
        widths = np.diff(edges)
        ramps = edges[:, None] - fft_hz[None, :]
        rising = -ramps[:-2] / widths[:-1, None]
        falling = ramps[2:] / widths[1:, None]
        weights = np.maximum(0, np.minimum(rising, falling))
        weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
        _FILTERBANK = weights
    return _FILTERBANK


def silence_window() -> np.ndarray:
    """The (80, 16) window of silent audio: every band at the floor (-4)."""
    return np.full((N_MELS, MEL_STEP), -MAX_ABS_VALUE, np.float32)


def mel_windows(mel: np.ndarray, fps: float, frames: int) -> np.ndarray:
    """(frames, 80, 16): the window for each video frame at `fps`, as the checkpoints were trained.

    Frame i starts at int(80 * i / fps); windows that would run past the end are clamped to the
    last 16 mel frames (audio shorter than one window is padded with silence)."""
    if mel.shape[1] < MEL_STEP:
        mel = np.concatenate([mel, silence_window()[:, : MEL_STEP - mel.shape[1]]], axis=1)
    last_start = mel.shape[1] - MEL_STEP
    # i * (80 / fps), not 80 * i / fps: the same float rounding as the published inference.
    starts = np.minimum((np.arange(frames) * (MEL_FPS / fps)).astype(int), last_start)
    index = starts[:, None] + np.arange(MEL_STEP)[None, :]
    return np.ascontiguousarray(mel[:, index].transpose(1, 0, 2))


def pcm_to_float(pcm: np.ndarray) -> np.ndarray:
    """int16 PCM (the lipsync engine's decoder output) -> float in [-1, 1]."""
    return np.asarray(pcm, np.float32) / 32768.0
