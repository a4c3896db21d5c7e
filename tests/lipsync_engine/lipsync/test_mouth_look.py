"""How the image mode's mouth looks on the astronaut (whose own mouth shows its teeth): a closed
mouth has no dark dashes along the seam, an opened one no dark ring inside its lips.
Before/after stills: docs/engine/image-mode-mouth-before-after.png (bench/mouth_stills.py)."""

import cv2
import numpy as np
import pytest

from lipsync_engine.common.faces import (
    LIPS_INNER_LOWER,
    LIPS_INNER_UPPER,
    LIPS_OUTER_LOWER,
    LIPS_OUTER_UPPER,
    find_faces,
)
from lipsync_engine.lipsync import warp
from lipsync_engine.lipsync.mouth import Shape, lip_displacements
from lipsync_engine.lipsync.render import build_rig, paint_mouth, triangle_map

pytest.importorskip("mediapipe", reason="mediapipe is not installed")
LUMA = np.array([0.299, 0.587, 0.114])


@pytest.fixture(scope="module")
def face(astronaut):
    points = find_faces(astronaut, 1)[0].points
    return astronaut, points, build_rig(astronaut, points)


def render(face, shape: Shape):
    image, points, rig = face
    target = points + lip_displacements(points, shape, rig.skin)
    out = image.copy()
    (x0, y0, x1, y1), map_x, map_y = triangle_map(rig, points, target, image.shape)
    out[y0:y1, x0:x1] = warp.remap(image, map_x, map_y)
    paint_mouth(out, image, rig, target, np.zeros(2, np.float32))
    return out.astype(np.float64) @ LUMA, target


def inside(shape, upper, lower, points) -> np.ndarray:
    polygon = np.concatenate([points[list(upper)], points[list(lower[::-1])][1:-1]])
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 1, shift=4)
    return mask > 0


def lip_luma(face) -> float:
    image, points, _ = face
    lips = (inside(image.shape, LIPS_OUTER_UPPER, LIPS_OUTER_LOWER, points)
            & ~inside(image.shape, LIPS_INNER_UPPER, LIPS_INNER_LOWER, points))
    return float(np.median(image[lips] @ LUMA))


def test_a_closed_mouth_has_no_dark_dashes_on_its_lips(face):
    luma, target = render(face, Shape(press=1.0))

    lips = inside(luma.shape, LIPS_OUTER_UPPER, LIPS_OUTER_LOWER, target)
    assert int((lips & (luma < 0.6 * lip_luma(face))).sum()) <= 2  # before: 8


@pytest.mark.parametrize(("opening", "most"), [(0.5, 0.12), (1.0, 0.35)])
def test_an_open_mouth_has_no_dark_ring_inside_its_lips(face, opening, most):
    luma, target = render(face, Shape(opening))

    opened = inside(luma.shape, LIPS_INNER_UPPER, LIPS_INNER_LOWER, target)
    core = cv2.erode(opened.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2) > 0
    ring = opened & ~core  # the 2 pixels just inside the lips
    # Before: 24 % (half) and 46 % (wide) of the ring darker than 40 % of the lips; what is
    # left at wide open are the photo's own dark mouth corners, shown with its teeth.
    assert float((luma[ring] < 0.4 * lip_luma(face)).mean()) <= most
