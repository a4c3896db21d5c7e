"""The donor's mask outline (lipsync/donor.py): one polygon around its triangles, or none."""

import cv2
import numpy as np

from lipsync_engine.lipsync.donor import outline


def test_the_outline_of_a_patch_goes_once_around_its_border():
    # A square of 3x3 points cut into 8 triangles; the centre (4) is inside, never on the border.
    triangles = np.array([[0, 1, 4], [1, 2, 4], [2, 5, 4], [5, 8, 4], [8, 7, 4], [7, 6, 4],
                          [6, 3, 4], [3, 0, 4]])

    loop = outline(triangles)

    assert loop is not None and sorted(loop.tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]
    steps = {frozenset(pair) for pair in zip(loop, np.roll(loop, -1), strict=True)}
    assert steps == {frozenset(p) for p in ([0, 1], [1, 2], [2, 5], [5, 8], [8, 7], [7, 6],
                                            [6, 3], [3, 0])}


def test_filling_the_outline_covers_what_the_triangles_cover():
    points = np.array([[10, 10], [50, 8], [90, 12], [12, 50], [52, 48], [88, 52], [10, 90],
                       [50, 92], [90, 88]], np.float32)
    triangles = np.array([[0, 1, 4], [1, 2, 4], [2, 5, 4], [5, 8, 4], [8, 7, 4], [7, 6, 4],
                          [6, 3, 4], [3, 0, 4]])
    each = np.zeros((100, 100), np.uint8)
    for triangle in points[triangles]:
        cv2.fillConvexPoly(each, np.round(triangle).astype(np.int32), 255)
    once = np.zeros_like(each)
    cv2.fillPoly(once, [np.round(points[outline(triangles)]).astype(np.int32)], 255)

    # The same area; a rasteriser's edge rule may give a boundary pixel to one and not the other.
    assert np.count_nonzero(each != once) <= 0.02 * np.count_nonzero(each)


def test_pieces_apart_or_touching_at_a_corner_have_no_single_outline():
    apart = np.array([[0, 1, 2], [3, 4, 5]])
    corner = np.array([[0, 1, 2], [2, 3, 4]])  # point 2 borders four edges

    assert outline(apart) is None
    assert outline(corner) is None
