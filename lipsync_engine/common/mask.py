"""The user's mask: where the output may differ from the source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .faces import LIPS_OUTER_LOWER, LIPS_OUTER_UPPER
from .plan import Plan, upright_on

MASK_NO_FACE = ("formState.mask_image covers no face; paint white over the face that should "
                "speak.")


def load_mask(path: Path, plan: Plan) -> np.ndarray:
    """White/opaque = may change. Scaled to the frame (nearest: a pixel is in or out)."""
    with Image.open(path) as source:
        grey = upright_on(source, (0, 0, 0, 255)).convert("L").resize(
            (plan.width, plan.height), Image.Resampling.NEAREST)
    return np.asarray(grey) >= 128


def covers_lips(mask: np.ndarray | None, points: np.ndarray) -> bool:
    """Whether the mask (None: the whole frame) covers most of a face's outer lip line."""
    if mask is None:
        return True
    lips = np.round(points[list(LIPS_OUTER_UPPER + LIPS_OUTER_LOWER)])
    height, width = mask.shape
    xs = np.clip(lips[:, 0].astype(int), 0, width - 1)
    ys = np.clip(lips[:, 1].astype(int), 0, height - 1)
    return bool(mask[ys, xs].mean() >= 0.5)
