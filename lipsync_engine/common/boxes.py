"""Face boxes of the network engines: clipped to the frame, and the crop a network takes."""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1, y1 exclusive)


def clipped_box(box, frame_shape: tuple[int, ...], min_side: int) -> Box | None:
    """`box` (floats) rounded and clipped to the frame; None when a side is under `min_side`."""
    height, width = frame_shape[:2]
    x0, y0 = max(0, int(round(box[0]))), max(0, int(round(box[1])))
    x1, y1 = min(width, int(round(box[2]))), min(height, int(round(box[3])))
    if x1 - x0 < min_side or y1 - y0 < min_side:
        return None
    return x0, y0, x1, y1


def resized_crop(frame: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The box of `frame` squeezed to size x size (area interpolation, same dtype)."""
    x0, y0, x1, y1 = box
    return cv2.resize(np.ascontiguousarray(frame[y0:y1, x0:x1]), (size, size),
                      interpolation=cv2.INTER_AREA)
