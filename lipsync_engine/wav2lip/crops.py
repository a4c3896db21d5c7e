"""Face crops in and predictions out: boxes from the face mesh, 96x96 network inputs, pasting.

The checkpoints were trained on face-detector boxes (forehead to a little below the chin, cheek
to cheek) squeezed to 96x96, so the box here is the face mesh's oval with the same extra margin
below the chin, averaged over neighbouring frames so that it does not jitter. The network
regenerates the lower half of the crop; the prediction is blended back through a feathered
weight that is zero on the upper face and on the box's edges, so no seam shows.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..common.boxes import Box, clipped_box, resized_crop
from ..common.faces import FACE_OVAL
from .model import FACE_SIZE

BOTTOM_PAD = 0.08  # of the face height: the detector boxes of training reach below the chin

MIN_SIDE = 8  # pixels: a smaller face box is no face to draw


def face_box(points: np.ndarray, frame_shape: tuple[int, ...]) -> Box | None:
    """The crop box of one face (mesh landmarks in pixels), inside the frame."""
    oval = points[list(FACE_OVAL)]
    x0, y0 = oval.min(axis=0)
    x1, y1 = oval.max(axis=0)
    y1 += BOTTOM_PAD * (y1 - y0)
    return clipped_box((x0, y0, x1, y1), frame_shape, MIN_SIDE)


def crop(frame: np.ndarray, box: Box) -> np.ndarray:
    """The box resized to 96x96 (RGB uint8)."""
    return resized_crop(frame, box, FACE_SIZE)


def network_faces(target: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(6, 96, 96) float32 network input from two RGB crops: the target with its lower half
    blanked, then the reference; BGR in [0, 1], as the checkpoints were trained."""
    masked = target.copy()
    masked[FACE_SIZE // 2:] = 0
    stacked = np.concatenate([masked[..., ::-1], reference[..., ::-1]], axis=2)
    return stacked.transpose(2, 0, 1).astype(np.float32) / 255.0


def feather(height: int, width: int) -> np.ndarray:
    """(h, w, 1) float32 blend weight: 0 above the nose, rising to 1 over the mouth and chin,
    falling to 0 at the box's sides and bottom edge."""
    rows = np.linspace(0, 1, height, dtype=np.float32)
    cols = np.linspace(0, 1, width, dtype=np.float32)
    vertical = _smoothstep(0.45, 0.62, rows) * (1 - _smoothstep(0.9, 1.0, rows))
    horizontal = _smoothstep(0.0, 0.14, cols) * (1 - _smoothstep(0.86, 1.0, cols))
    return (vertical[:, None] * horizontal[None, :])[..., None]


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0, 1)
    return t * t * (3 - 2 * t)


def paste(frame: np.ndarray, box: Box, prediction: np.ndarray,
          weights: dict[tuple[int, int], np.ndarray]) -> None:
    """Blend a 96x96 RGB prediction into `frame` (in place) over `box`.

    `weights` caches the feather per box size (a still face pastes into the same box each time).
    """
    x0, y0, x1, y1 = box
    height, width = y1 - y0, x1 - x0
    weight = weights.get((height, width))
    if weight is None:
        weight = weights[(height, width)] = feather(height, width)
    resized = cv2.resize(prediction, (width, height), interpolation=cv2.INTER_CUBIC)
    region = frame[y0:y1, x0:x1].astype(np.float32)
    blended = region + weight * (resized.astype(np.float32) - region)
    frame[y0:y1, x0:x1] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
