"""One step of latent inpainting on a device: VAE encode, UNet, VAE decode. No Django.

MuseTalk is not sampled: the UNet runs once, at the fixed timestep 0, on the concatenated
latents of the masked target and of the reference face, attending to the frame's audio tokens;
its output is the face's latent, which the VAE decodes. Latents are the mean of the VAE's
posterior (not a random draw), so the same inputs give the same frames.

CUDA when there is one, in float16 (LIPSYNC_MUSETALK_HALF=0: float32), the CPU otherwise in
float32. The batch is sized from the free GPU memory. `Runner.__call__` returns at once on CUDA:
the decoded pixels are copied to pinned memory behind an event, so the next batch's UNet is
queued while the caller's output thread waits for, pastes and encodes this one.
"""

from __future__ import annotations

import numpy as np
import torch

from ..common import networks as torch_networks
from ..common.selection import ENV_MUSETALK_DEVICE as ENV_DEVICE
from .audio import encoder_features
from .model import Networks

CPU_BATCH = 8
MAX_BATCH = 64
TIMESTEP = 0
# Peak GPU memory per face at 256x256 (32x32 latents), measured at full size on an H200 with
# bench/musetalk_batch.py: 193 MiB in float16, 386 MiB in float32 (the VAE decoder's 256x256
# activations dominate). Throughput stops growing at batch 64, hence MAX_BATCH.
BYTES_PER_FACE = {torch.float16: 200 * 2**20, torch.float32: 400 * 2**20}


def pick_device(requested: str | None = None) -> torch.device:
    """`requested` ("cuda", "cuda:1", "cpu") or, when empty or "auto", CUDA if available."""
    return torch_networks.pick_device(requested, ENV_DEVICE)


def batch_size_for(device: torch.device, dtype: torch.dtype, requested: int | None = None) -> int:
    """The operator's batch, or on CUDA half the free memory over the per-face need."""
    return torch_networks.batch_from_memory(device, BYTES_PER_FACE[dtype], cpu_batch=CPU_BATCH,
                                            max_batch=MAX_BATCH, requested=requested)


class Pending:
    """A batch of faces on its way to the CPU: `result()` waits for it (RGB uint8 NHWC)."""

    def __init__(self, pixels: torch.Tensor) -> None:
        if pixels.device.type == "cuda":
            self._host = torch.empty(pixels.shape, dtype=pixels.dtype, pin_memory=True)
            self._host.copy_(pixels, non_blocking=True)
            self._done = torch.cuda.Event()
            self._done.record()
        else:
            self._host, self._done = pixels, None

    def result(self) -> np.ndarray:
        if self._done is not None:
            self._done.synchronize()
        return self._host.numpy()


class Runner:
    """The networks on one device, in one precision."""

    def __init__(self, networks: Networks, device: torch.device, half: bool | None = None) -> None:
        self.device = device
        use_half = device.type == "cuda" if half is None else bool(half and device.type == "cuda")
        self.dtype = torch.float16 if use_half else torch.float32
        self.unet = networks.unet.to(device, self.dtype).eval()
        self.vae = networks.vae.to(device, self.dtype).eval()
        self.whisper = networks.whisper.to(device, self.dtype).eval()
        self.extractor = networks.features
        self.scale = float(self.vae.config.scaling_factor)
        self.latent_channels = int(self.vae.config.latent_channels)
        if device.type == "cuda":  # the same inputs give the same frames
            torch.backends.cudnn.benchmark = False
            torch.backends.cudnn.deterministic = True

    def audio_features(self, wav: np.ndarray) -> np.ndarray:
        """(steps, states, d) whisper encoder features of float audio at 16 kHz."""
        return encoder_features(wav, self.whisper, self.extractor, self.device, self.dtype)

    def encode(self, pictures: np.ndarray) -> torch.Tensor:
        """(n, 2 * latent, h/8, w/8) UNet inputs on the device from (n, 2, 3, H, W) pictures in
        [-1, 1] (masked target, reference): each picture's latent, side by side."""
        count = len(pictures)
        with torch.inference_mode():
            batch = torch.from_numpy(np.ascontiguousarray(pictures)).flatten(0, 1)
            posterior = self.vae.encode(batch.to(self.device, self.dtype)).latent_dist
            latents = posterior.mean * self.scale
            return latents.unflatten(0, (count, 2)).flatten(1, 2)

    def __call__(self, latents: torch.Tensor, tokens: np.ndarray) -> Pending:
        """Faces for (n, 2 * latent, h, w) inputs and (n, tokens, d) audio conditioning."""
        with torch.inference_mode():
            audio = torch.from_numpy(np.ascontiguousarray(tokens)).to(self.device, self.dtype)
            timestep = torch.full((len(latents),), TIMESTEP, device=self.device)
            face = self.unet(latents, timestep, encoder_hidden_states=audio).sample
            image = self.vae.decode(face / self.scale).sample
            pixels = ((image.float() + 1) * 127.5).clamp(0, 255).round().to(torch.uint8)
            return Pending(pixels.permute(0, 2, 3, 1).contiguous())
