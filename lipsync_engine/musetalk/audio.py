"""Audio features per video frame: whisper's encoder, as MuseTalk conditions its UNet. No Django.

Whisper's feature extractor turns 16 kHz audio into 30 s chunks of log-mel frames; the encoder
gives 50 feature vectors per second (d_model wide: 384 for whisper-tiny). MuseTalk keeps every
hidden state of the encoder (the embedding's output and each layer's: 5 for whisper-tiny) and
gives frame i the 0.2 s around it: 10 feature steps, from 4 steps (80 ms) before the frame's
time, zeros where that runs past either end of the audio. Those 10 steps x 5 states are the
UNet's 50 cross-attention tokens, each with the sinusoidal position code of its place added.
"""

from __future__ import annotations

import math

import numpy as np
import torch

SAMPLE_RATE = 16000
FEATURE_RATE = 50  # encoder steps per second (whisper: 2 mel hops of 10 ms per step)
CHUNK_SECONDS = 30  # whisper's fixed input length
WINDOW_STEPS = 10  # 0.2 s of features per video frame
LEAD_STEPS = 4  # the window starts this many steps before the frame's time
CHUNKS_PER_CALL = 8  # 30 s chunks through the encoder at once (memory, not speed)


def pcm_to_float(pcm: np.ndarray) -> np.ndarray:
    """int16 PCM -> float32 in [-1, 1]."""
    return np.asarray(pcm, np.float32) / 32768.0


def encoder_features(wav: np.ndarray, encoder: torch.nn.Module, extractor,
                     device: torch.device, dtype: torch.dtype) -> np.ndarray:
    """(steps, states, d) float32: every hidden state of whisper's encoder, 50 steps a second,
    for float audio at 16 kHz (the zero padding of the last 30 s chunk cut off)."""
    steps = max(1, math.floor(len(wav) / SAMPLE_RATE * FEATURE_RATE))
    chunk = CHUNK_SECONDS * SAMPLE_RATE
    pieces = [wav[start: start + chunk] for start in range(0, max(1, len(wav)), chunk)]
    pieces = [piece if len(piece) else np.zeros(1, np.float32) for piece in pieces]
    outputs = []
    for first in range(0, len(pieces), CHUNKS_PER_CALL):
        mels = extractor(pieces[first: first + CHUNKS_PER_CALL], sampling_rate=SAMPLE_RATE,
                         return_tensors="np").input_features
        with torch.inference_mode():
            hidden = encoder(torch.from_numpy(mels).to(device, dtype),
                             output_hidden_states=True).hidden_states
            stacked = torch.stack(hidden, dim=2)  # (chunks, 1500, states, d)
            outputs.append(stacked.flatten(0, 1).float().cpu().numpy())
    return np.concatenate(outputs)[:steps]


def frame_windows(features: np.ndarray, fps: float, indices: np.ndarray) -> np.ndarray:
    """(len(indices), WINDOW_STEPS * states, d): the feature window of each video frame (by
    index, at `fps`), flattened step by step (all states of a step together) into the UNet's
    tokens; zeros where a window runs past the audio."""
    steps, states, width = features.shape
    indices = np.asarray(indices)
    firsts = np.rint(indices * (FEATURE_RATE / fps)).astype(int) - LEAD_STEPS
    index = firsts[:, None] + np.arange(WINDOW_STEPS)[None, :]
    inside = (index >= 0) & (index < steps)
    windows = features[np.clip(index, 0, steps - 1)] * inside[..., None, None]
    return windows.reshape(len(indices), WINDOW_STEPS * states, width).astype(np.float32)


def position_codes(tokens: int, width: int) -> np.ndarray:
    """(tokens, width) sinusoidal position codes (Vaswani et al.): sin on even channels, cos on
    odd ones, wavelengths from 2 pi to 10000 * 2 pi."""
    positions = np.arange(tokens, dtype=np.float64)[:, None]
    rates = np.exp(np.arange(0, width, 2, dtype=np.float64) * (-math.log(10000.0) / width))
    codes = np.zeros((tokens, width), np.float64)
    codes[:, 0::2] = np.sin(positions * rates)
    codes[:, 1::2] = np.cos(positions * rates[: width // 2])
    return codes.astype(np.float32)


def with_positions(windows: np.ndarray) -> np.ndarray:
    """The UNet's conditioning: each frame's tokens plus their position codes."""
    return windows + position_codes(windows.shape[1], windows.shape[2])[None]
