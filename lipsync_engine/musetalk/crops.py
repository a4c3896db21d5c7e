"""The 256x256 face crop, the lower-half mask and the feathered paste-back. numpy + OpenCV.

MuseTalk was trained on crops whose vertical middle is the nose: from the chin up to as far
above the nose as the chin is below it, cheek to cheek, squeezed to 256x256. The lower half
(nose to chin) is what the network regenerates, so it is masked out of the target picture. Here
the crop comes from the face mesh (468 points): the oval's width, the chin, and the lower nose
bridge for the middle, with a little margin below the chin so that the jaw can open; boxes are
averaged over neighbouring frames of a video so that they do not jitter.

The network redraws the whole crop through the VAE (slightly soft), so only the mouth and jaw
are pasted back: the weight is 0 above the nose, rises to 1 over the mouth and falls to 0 at the
crop's sides and bottom edge, so no seam shows.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..common.boxes import Box, clipped_box, resized_crop

FACE_SIZE = 256
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
             377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67,
             109)
NOSE_BRIDGE_LOW = 5  # mesh point on the bridge just above the nose tip
CHIN_MARGIN = 0.05  # of the chin-to-nose distance, below the chin
MIN_SIDE = 16  # pixels: a smaller face box is no face to draw


def face_box(points: np.ndarray, frame_shape: tuple[int, ...]) -> Box | None:
    """The crop box of one face (mesh points in pixels), clipped to the frame; None when too
    little of it is inside."""
    oval = points[list(FACE_OVAL)]
    x0, x1 = float(oval[:, 0].min()), float(oval[:, 0].max())
    chin = float(oval[:, 1].max())
    nose = float(points[NOSE_BRIDGE_LOW, 1])
    half = max(1.0, chin - nose) * (1 + CHIN_MARGIN)
    return clipped_box((x0, nose - half, x1, nose + half), frame_shape, MIN_SIDE)


def crop(frame: np.ndarray, box: Box) -> np.ndarray:
    """(256, 256, 3) RGB uint8: the box squeezed to the network's size."""
    return resized_crop(frame, box, FACE_SIZE)


def network_pictures(face: np.ndarray) -> np.ndarray:
    """(2, 3, 256, 256) float32 in [-1, 1]: the crop with its lower half blacked out (the
    target), then the whole crop (the reference), as the VAE takes pictures."""
    whole = face.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
    masked = whole.copy()
    masked[:, FACE_SIZE // 2:] = -1.0  # black: 0 before the [-1, 1] scaling
    return np.stack([masked, whole])


def feather(height: int, width: int) -> np.ndarray:
    """(h, w, 1) float32 paste weight over a box of this size."""
    rows = np.linspace(0, 1, height, dtype=np.float32)
    cols = np.linspace(0, 1, width, dtype=np.float32)
    vertical = _smoothstep(0.48, 0.62, rows) * (1 - _smoothstep(0.9, 1.0, rows))
    horizontal = _smoothstep(0.0, 0.15, cols) * (1 - _smoothstep(0.85, 1.0, cols))
    return (vertical[:, None] * horizontal[None, :])[..., None]


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0, 1)
    return t * t * (3 - 2 * t)


def paste(frame: np.ndarray, box: Box, face: np.ndarray, weights: dict) -> None:
    """Blend a 256x256 RGB network face into `frame` (in place) over `box`; `weights` caches
    the feather by box size."""
    x0, y0, x1, y1 = box
    height, width = y1 - y0, x1 - x0
    weight = weights.get((height, width))
    if weight is None:
        weight = weights[(height, width)] = feather(height, width)
    resized = cv2.resize(face, (width, height), interpolation=cv2.INTER_AREA
                         if width < FACE_SIZE else cv2.INTER_CUBIC)
    region = frame[y0:y1, x0:x1].astype(np.float32)
    blended = region + weight * (resized.astype(np.float32) - region)
    frame[y0:y1, x0:x1] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
