"""Sampling a frame through a backward map: OpenCV on CPU, torch `grid_sample` on a CUDA device.

`remap(image, map_x, map_y)` reads image[map_y, map_x] with bilinear interpolation and edge
reflection. On CPU, cv2.remap is 2-3x faster than torch's grid_sample, so torch is only used when
a CUDA device is there (torch is optional: the engine works without it). Both paths give the same
frames within a few grey levels (tests/lipsync_engine/lipsync/test_warp.py).
"""

from __future__ import annotations

import os
from functools import cache

import cv2
import numpy as np


@cache
def _torch_cuda():
    """torch and a CUDA device, or None (torch missing, no CUDA, or LIPSYNC_WARP=opencv).

    torch costs ~1.3 s to import: it is imported only where an NVIDIA driver is loaded (or
    LIPSYNC_WARP=cuda asks for it), never on a CPU-only machine."""
    choice = os.environ.get("LIPSYNC_WARP", "").lower()
    if choice == "opencv" or (choice != "cuda" and not _nvidia_driver()):
        return None
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return torch, torch.device("cuda")


def _nvidia_driver() -> bool:
    return os.path.exists("/proc/driver/nvidia/version")


def backend() -> str:
    return "torch-cuda" if _torch_cuda() is not None else "opencv"


def remap(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    cuda = _torch_cuda()
    if cuda is not None:
        return remap_many_torch([(image, map_x, map_y)], *cuda)[0]
    return remap_opencv(image, map_x, map_y)


def remap_into(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, out: np.ndarray) -> None:
    """remap() written into `out` (a view of the frame whose rows are contiguous, such as a box
    of it): no second copy on CPU."""
    if _torch_cuda() is not None:
        out[...] = remap(image, map_x, map_y)
        return
    written = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, dst=out,
                        borderMode=cv2.BORDER_REFLECT)
    if written is not out:  # OpenCV could not write through this view: copy its result in
        out[...] = written


def remap_opencv(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def remap_many(items: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """Several remaps at once: batched on the GPU where the shapes agree, one by one on CPU."""
    cuda = _torch_cuda()
    if cuda is None:
        return [remap_opencv(*item) for item in items]
    return remap_many_torch(items, *cuda)


def remap_many_torch(items, torch, device) -> list[np.ndarray]:
    """grid_sample with align_corners=True and reflection, matching cv2.remap's pixel centres."""
    import torch.nn.functional as functional

    results: list[np.ndarray | None] = [None] * len(items)
    groups: dict[tuple, list[int]] = {}
    for index, (image, map_x, _) in enumerate(items):
        groups.setdefault((image.shape, map_x.shape), []).append(index)
    for (image_shape, _map_shape), indices in groups.items():
        height, width = image_shape[:2]
        images = torch.from_numpy(np.stack([items[i][0] for i in indices])).to(device)
        images = images.permute(0, 3, 1, 2).float()
        map_x = torch.from_numpy(np.stack([items[i][1] for i in indices])).to(device)
        map_y = torch.from_numpy(np.stack([items[i][2] for i in indices])).to(device)
        grid = torch.stack([map_x / max(1, width - 1) * 2 - 1,
                            map_y / max(1, height - 1) * 2 - 1], dim=-1)
        sampled = functional.grid_sample(images, grid, mode="bilinear", padding_mode="reflection",
                                         align_corners=True)
        out = sampled.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        for slot, index in enumerate(indices):
            results[index] = out[slot]
    return results  # type: ignore[return-value]
