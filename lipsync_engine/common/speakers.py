"""Who speaks when: the faces of a picture that the audio drives, and each track's place on the
output timeline."""

from __future__ import annotations

import numpy as np

from ..base import EngineInputError
from .faces import Face, find_faces
from .mask import MASK_NO_FACE, covers_lips

NO_FACE = ("formState.image has no face we can find; use a portrait where the face is clearly "
           "visible.")
FEWER_THAN_TWO = ("formState.image shows fewer than two faces we can find; use a picture where "
                  "both faces are clearly visible.")
# Of the progress bar, the part the analysis (probing, faces, phones) takes in each mode.
ANALYSIS_SHARE = {"video": 0.35, "image": 0.05, "multi": 0.08}


def speaking_faces(image: np.ndarray, mode: str, mask: np.ndarray | None) -> list[Face]:
    """The face (image mode) or the two faces left to right (multi); EngineInputError when they
    are not there or the mask covers none of them."""
    found = find_faces(image, limit=2 if mode == "multi" else 1)
    if mode == "image" and not found:
        raise EngineInputError("formState.image", NO_FACE, reason="no_face")
    if mode == "multi" and len(found) < 2:
        raise EngineInputError("formState.image", FEWER_THAN_TWO,
                               reason="fewer_than_two_faces")
    found = sorted(found[:2], key=lambda face: float(face.center[0]))  # left, right
    if not any(covers_lips(mask, face.points) for face in found):
        raise EngineInputError("formState.mask_image", MASK_NO_FACE, reason="mask_misses_face")
    return found


def multi_offsets(order: str, left_frames: int, right_frames: int) -> tuple[int, int]:
    """The first output frame of the left and the right track in multi mode."""
    return {"meanwhile": (0, 0), "left_right": (0, left_frames),
            "right_left": (right_frames, 0)}[order]


def placed(values: np.ndarray, offset: int, frames: int) -> np.ndarray:
    """Per-frame values placed at `offset` on a timeline of `frames`; their minimum elsewhere."""
    out = np.full(frames, float(values.min()) if len(values) else -100.0, np.float32)
    end = min(frames, offset + len(values))
    if end > offset:
        out[offset:end] = values[: end - offset]
    return out


def span(offset: int, length: int, frames: int) -> np.ndarray:
    """The frames of a timeline of `frames` where a track of `length` frames at `offset` plays."""
    active = np.zeros(frames, bool)
    active[offset: min(frames, offset + length)] = True
    return active


def looped_source(index: int, count: int) -> int:
    """The source frame shown at output frame `index`: the video plays forward, then backward."""
    if count == 1:
        return 0
    period = 2 * count - 2
    position = index % period
    return position if position < count else period - position
