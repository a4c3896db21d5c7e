"""The mouth's pixels from one frame of the footage itself (the idea of Video Rewrite).

Warping a frame whose mouth is open into a closed one squeezes its lips over the dark inside
and leaves a dark seam that still follows the old speech. So the mouth area (the lips and the
skin that moves with them) is taken from a donor frame instead, the speaker's own most closed
mouth, warped on the face mesh from where its landmarks are to the target landmarks of the
frame being drawn, and laid in with a feathered edge. Outside that area the frame keeps its own
pixels (warped as before), so head motion, blinks and everything above the mouth stay its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import warp
from .mouth import MouthFrame, triangles
from .render import FaceRig, build_rig, inner_polygon, triangle_map
from .retarget import mouth_ids

REACH = 0.45  # of the mouth width: skin this close to the lips comes from the donor too
FEATHER = 0.08  # of the mouth width: the soft edge between donor and frame pixels
_SHIFT = 4


@dataclass
class Donor:
    frame: np.ndarray  # the donor frame's pixels
    points: np.ndarray  # its landmarks
    rig: FaceRig  # its mouth area's triangles, teeth colour, inner-lip curves


def make_donor(frame: np.ndarray, points: np.ndarray, skin: np.ndarray) -> Donor:
    lips = mouth_ids(points)
    width = MouthFrame.of(points).width
    near = np.linalg.norm(points[:, None] - points[None, lips], axis=-1).min(axis=1)
    area = set(np.nonzero(near <= REACH * width)[0]) | set(lips.tolist())
    mesh = triangles()
    inside = np.isin(mesh, sorted(area)).all(axis=1)
    frame = np.ascontiguousarray(frame)
    return Donor(frame, points, build_rig(frame, points, mesh[inside], skin))


def lay_donor(out: np.ndarray, donor: Donor, target: np.ndarray) -> np.ndarray:
    """Lay the donor's mouth area, warped to `target`, into `out`; the backward shift at the
    mouth (target pixel + shift = where it is in the donor frame), for paint_mouth."""
    found = triangle_map(donor.rig, donor.points, target, out.shape)
    centre = target[[13, 14]].mean(axis=0)
    if found is None:
        return np.zeros(2, np.float32)
    (x0, y0, x1, y1), map_x, map_y = found
    texture = warp.remap(donor.frame, map_x, map_y)
    weight = _feathered(target, donor, (x0, y0, x1, y1))
    region = out[y0:y1, x0:x1].astype(np.float32)
    blended = region + (texture.astype(np.float32) - region) * weight[..., None]
    out[y0:y1, x0:x1] = np.round(blended).astype(np.uint8)
    cx = int(np.clip(round(centre[0]) - x0, 0, x1 - x0 - 1))
    cy = int(np.clip(round(centre[1]) - y0, 0, y1 - y0 - 1))
    return np.array([map_x[cy, cx] - (cx + x0), map_y[cy, cx] - (cy + y0)], np.float32)


def _feathered(target: np.ndarray, donor: Donor, box) -> np.ndarray:
    """1 well inside the donor's triangles (at their target place), fading to 0 at their edge."""
    x0, y0, x1, y1 = box
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    corners = np.round((target[donor.rig.triangles] - [x0, y0]) * (1 << _SHIFT)).astype(np.int32)
    for polygon in corners:
        cv2.fillConvexPoly(mask, polygon, 255, lineType=cv2.LINE_8, shift=_SHIFT)
    # The mesh has no triangles between the lips: the donor's lips close over that too, and the
    # frame's own (perhaps open) mouth must not show through the hole.
    inner = np.round((inner_polygon(target) - [x0, y0]) * (1 << _SHIFT)).astype(np.int32)
    cv2.fillPoly(mask, [inner], 255, lineType=cv2.LINE_8, shift=_SHIFT)
    feather = max(1, round(FEATHER * donor.rig.frame.width))
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=feather)
    soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), feather / 2)
    return soft
