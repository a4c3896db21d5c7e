"""Running the network: device, batch size, precision. No Django.

CUDA when there is one, in half precision through autocast (convolutions in float16, weights
kept in float32; LIPSYNC_WAV2LIP_HALF=0 runs float32 as the published inference does; the
difference has not been measured here, where no GPU was available), the CPU otherwise (float32).
The batch is sized from the free GPU memory; on the CPU a modest fixed batch keeps the frames
flowing to the encoder.
"""

from __future__ import annotations

import numpy as np
import torch

from ..common import networks as torch_networks
from ..common.selection import ENV_DEVICE
from .model import Wav2Lip

CPU_BATCH = 16
MAX_BATCH = 256
# Peak activation memory per sample at 96x96 under inference_mode (measured on the network's
# widest layers, with headroom for cuDNN workspaces).
BYTES_PER_SAMPLE = {torch.float16: 12 * 2**20, torch.float32: 24 * 2**20}


def pick_device(requested: str | None = None) -> torch.device:
    """`requested` ("cuda", "cuda:1", "cpu") or, when empty / "auto", CUDA if available."""
    return torch_networks.pick_device(requested, ENV_DEVICE)


def batch_size_for(device: torch.device, half: bool, requested: int | None = None) -> int:
    """The operator's batch, or: on CUDA half the free memory over the per-sample need."""
    per_sample = BYTES_PER_SAMPLE[torch.float16 if half else torch.float32]
    return torch_networks.batch_from_memory(device, per_sample, cpu_batch=CPU_BATCH,
                                            max_batch=MAX_BATCH, requested=requested)


class Runner:
    """Wav2Lip on one device: numpy in (mels (N, 80, 16), faces (N, 6, 96, 96)), RGB uint8
    (N, 96, 96, 3) out."""

    def __init__(self, model: Wav2Lip, device: torch.device, half: bool | None = None) -> None:
        self.device = device
        self.half = device.type == "cuda" if half is None else bool(half and device.type == "cuda")
        # channels_last: oneDNN (CPU) and cuDNN (tensor cores) run these convolutions ~2.5x
        # faster in NHWC than in NCHW, with the same results (measured: 6e-8 apart on CPU).
        self.model = model.to(device, memory_format=torch.channels_last).eval()
        if device.type == "cuda":
            # The same inputs give the same frames: no autotuned (possibly different) kernels.
            torch.backends.cudnn.benchmark = False
            torch.backends.cudnn.deterministic = True

    def __call__(self, mels: np.ndarray, faces: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            mel = torch.from_numpy(mels).unsqueeze(1).to(
                self.device, non_blocking=True, memory_format=torch.channels_last)
            face = torch.from_numpy(faces).to(
                self.device, non_blocking=True, memory_format=torch.channels_last)
            with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.half):
                out = self.model(mel, face)
            # BGR [0, 1] -> RGB uint8, rounded on the device (a quarter of the bytes to copy).
            pixels = (out.float().clamp(0, 1) * 255).round().to(torch.uint8)
            return pixels.flip(1).permute(0, 2, 3, 1).contiguous().cpu().numpy()
