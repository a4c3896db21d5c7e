"""What the torch engines (wav2lip, musetalk) share about their networks: the device, the batch
that fits its free memory, and the strict check of a state dict against the network. Imported
only by those engines (it imports torch)."""

from __future__ import annotations

import numpy as np
import torch


def pick_device(requested: str | None, setting: str) -> torch.device:
    """`requested` ("cuda", "cuda:1", "cpu") or, when empty or "auto", CUDA if available.
    `setting`: the environment variable it came from, for the error."""
    if requested and requested != "auto":
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"{setting}={requested} but no CUDA device is available to torch "
                               "(a CPU-only build, or no driver).")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def batch_from_memory(device: torch.device, bytes_per_face: int, *, cpu_batch: int,
                      max_batch: int, requested: int | None = None) -> int:
    """The operator's batch, or the CPU's, or on CUDA half the free memory over the per-face
    need (between 1 and `max_batch`)."""
    if requested:
        return max(1, int(requested))
    if device.type != "cuda":
        return cpu_batch
    free, _total = torch.cuda.mem_get_info(device)
    return int(np.clip(free // 2 // bytes_per_face, 1, max_batch))


def first_mismatch(expected: dict, found: dict) -> str | None:
    """The first difference between two state dicts, in the network's key order, as a phrase;
    None when they match.

    BatchNorm's `num_batches_tracked` may be absent (checkpoints from PyTorch before 0.4.1);
    torch fills it in, so it is not a mismatch."""
    for key, tensor in expected.items():
        if key not in found:
            if key.endswith("num_batches_tracked"):
                continue
            return f"missing key {key!r}"
        shape = tuple(getattr(found[key], "shape", ()))
        if shape != tuple(tensor.shape):
            return f"key {key!r} has shape {shape}, expected {tuple(tensor.shape)}"
    for key in found:
        if key not in expected:
            return f"unexpected key {key!r}"
    return None


def unwrapped(key: str) -> str:
    """A state dict key without DataParallel's "module." prefix."""
    return key[len("module."):] if key.startswith("module.") else key
