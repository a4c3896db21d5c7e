"""The mouth's pixels from frames of the footage itself (the idea of Video Rewrite, Bregler et
al. 1997).

Warping a frame whose mouth is open into a closed one squeezes its lips over the dark inside
and leaves a dark seam that still follows the old speech. So the mouth area (the lips, the skin
that moves with them, and the inside) is taken from a donor frame instead, warped on the face
mesh from where its landmarks are to the target landmarks of the frame being drawn, and laid in
with a feathered edge. Outside that area the frame keeps its own pixels (warped as before), so
head motion, blinks and everything above the mouth stay its own.

The donor is the source frame whose inner-lip shape (and head roll) best matches the target:
the speaker's own most closed mouth for a closed target, an open one showing the speaker's own
teeth for an opened target. A new donor is taken only when it matches clearly better than the
one in use, so the choice does not flicker. When the footage never opens its mouth, the closed
donor is used with the painted inside (render.paint_mouth), as for a still.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ..common.faces import LIPS_INNER_LOWER, LIPS_INNER_UPPER
from . import warp
from .mouth import MouthFrame, source_gap, triangles
from .render import FaceRig, build_rig, inner_polygon, triangle_map
from .retarget import STABLE, Neutral, mouth_ids, similarity

REACH = 0.45  # of the mouth width: skin this close to the lips comes from the donor too
FEATHER = 0.08  # of the mouth width: the soft edge between donor and frame pixels
OPEN_GAP = 0.08  # mouth widths more than the closed mouth: a frame this open lends its inside
CANDIDATES = 8  # open donors at most, spread over the footage's range of openings
STICK = 1.6  # a new donor must match this many times better than the one in use
STRETCH = 1.3  # an open donor's inside serves targets up to this much more open
FADE = 3  # frames over which a new donor fades in over the one before
ROLL_WEIGHT = 0.5  # cost of a head roll difference, per radian
_SHIFT = 4


@dataclass
class Donor:
    frame: np.ndarray  # the donor frame's pixels
    points: np.ndarray  # its landmarks
    rig: FaceRig  # its mouth area's triangles, teeth colour, inner-lip curves
    index: int = 0  # the source frame it comes from
    open: bool = False  # it shows the mouth's inside (no painting needed)
    shape: np.ndarray = field(default_factory=lambda: np.zeros(0))  # mouth_shape()
    roll: float = 0.0  # head roll against the neutral frame, radians
    painter: FaceRig | None = None  # the rig paint_mouth uses (teeth from this frame)
    gap: float = 0.0  # its inner-lip gap, mouth widths
    outline: np.ndarray | None = None  # landmarks around its triangles, in order (see outline())

    def lends_inside(self, target: np.ndarray) -> bool:
        """Its own inside fits a target this open (stretched much further, its teeth would
        grow: then the inside is painted, with the teeth taken from this frame)."""
        return self.open and source_gap(target) <= STRETCH * self.gap


def inner_triangles() -> np.ndarray:
    """Triangles across the opening, between the inner lip lines (the mesh has none there)."""
    upper, lower = LIPS_INNER_UPPER, LIPS_INNER_LOWER
    found = []
    for i in range(len(upper) - 1):
        for tri in ((upper[i], upper[i + 1], lower[i + 1]), (upper[i], lower[i + 1], lower[i])):
            if len(set(tri)) == 3:
                found.append(tri)
    return np.array(found, np.int32)


def make_donor(frame: np.ndarray, points: np.ndarray, skin: np.ndarray, index: int = 0,
               reference: np.ndarray | None = None, opened: bool = False) -> Donor:
    lips = mouth_ids(points)
    width = MouthFrame.of(points).width
    near = np.linalg.norm(points[:, None] - points[None, lips], axis=-1).min(axis=1)
    area = set(np.nonzero(near <= REACH * width)[0]) | set(lips.tolist())
    mesh = triangles()
    inside = np.isin(mesh, sorted(area)).all(axis=1)
    frame = np.ascontiguousarray(frame)
    painter = build_rig(frame, points, np.concatenate([mesh[inside], inner_triangles()]),
                        skin)
    # An open donor's inside is lent as it is: no sampling into the lips.
    rig = replace(painter, source_open=False) if opened else painter
    roll = 0.0 if reference is None else head_roll(reference, points)
    return Donor(frame, points, rig, index, opened, mouth_shape(points), roll, painter,
                 source_gap(points), outline(rig.triangles))


def outline(triangles: np.ndarray) -> np.ndarray | None:
    """The landmarks around the union of these triangles, in order: one polygon to fill where
    filling ~150 triangles one by one costs ~1 ms a frame. None unless the border is one loop."""
    neighbours = defaultdict(list)
    for a, b in _border_edges(triangles):
        neighbours[a].append(b)
        neighbours[b].append(a)
    if not neighbours or any(len(ends) != 2 for ends in neighbours.values()):
        return None
    loop = _walk(neighbours)
    return np.array(loop) if len(loop) == len(neighbours) else None


def _border_edges(triangles: np.ndarray) -> list[tuple[int, int]]:
    """The edges only one triangle has (a shared edge is inside the union)."""
    edges = Counter()
    for a, b, c in triangles.tolist():
        for edge in ((a, b), (b, c), (c, a)):
            edges[tuple(sorted(edge))] += 1
    return [edge for edge, count in edges.items() if count == 1]


def _walk(neighbours: dict) -> list[int]:
    """The loop through the first point, each point met once (every point has two ends)."""
    start = next(iter(neighbours))
    loop, previous, current = [start], None, start
    while True:
        first, second = neighbours[current]
        following = second if first == previous else first
        if following == start:
            return loop
        loop.append(following)
        previous, current = current, following


def mouth_shape(points: np.ndarray) -> np.ndarray:
    """The inner lips in the mouth's own frame (scale, turn and position taken out)."""
    frame = MouthFrame.of(points)
    return frame.local(points[list(LIPS_INNER_UPPER[1:-1] + LIPS_INNER_LOWER[1:-1])]).ravel()


def head_roll(reference: np.ndarray, points: np.ndarray) -> float:
    scale_rotation, _ = similarity(reference[list(STABLE)], points[list(STABLE)])
    return float(np.arctan2(scale_rotation[1, 0], scale_rotation[0, 0]))


class DonorBank:
    """The closed donor and the open ones of a footage; `choose` picks one per output frame,
    in frame order (`reset` before a new pass)."""

    def __init__(self, frames, points: list[np.ndarray | None], neutral: Neutral,
                 skin: np.ndarray) -> None:
        reference = neutral.reference
        self.reference = reference
        self.closed = make_donor(frames[neutral.index], reference, skin, neutral.index,
                                 reference)
        self.donors = [self.closed] + [
            make_donor(frames[index], points[index], skin, index, reference, opened=True)
            for index in open_frames(points, neutral.gap + OPEN_GAP)]
        self.previous: int | None = None  # slot in `donors`
        self.fading: tuple[int, int] | None = None  # (slot fading out, frames since the change)
        self.chosen: list[int] = []  # the source frame of each choice, in order (for tests)

    def reset(self) -> None:
        self.previous = None
        self.fading = None
        self.chosen = []

    def layers(self, target: np.ndarray, points: np.ndarray) -> list[tuple[Donor, float]]:
        """(donor, opacity) to lay in order: the chosen donor, over the one before it for the
        first FADE frames after a change (a cross-fade, not a cut)."""
        before = self.previous
        chosen = self.choose(target, points)
        slot = self.previous
        if before is not None and slot != before:
            self.fading = (before, 0)
        if self.fading is None:
            return [(chosen, 1.0)]
        old, age = self.fading
        age += 1
        self.fading = None if age >= FADE else (old, age)
        if old == slot:
            return [(chosen, 1.0)]
        return [(self.donors[old], 1.0), (chosen, age / FADE)]

    def choose(self, target: np.ndarray, points: np.ndarray) -> Donor:
        shape, roll = mouth_shape(target), head_roll(self.reference, points)
        costs = [float(np.linalg.norm(shape - donor.shape)) + ROLL_WEIGHT * abs(roll - donor.roll)
                 for donor in self.donors]
        best = int(np.argmin(costs))
        previous = self.previous
        if previous is not None and costs[previous] <= STICK * costs[best] + 0.01:
            best = previous
        self.previous = best
        self.chosen.append(self.donors[best].index)
        return self.donors[best]


def open_frames(points: list[np.ndarray | None], least: float) -> list[int]:
    """Up to CANDIDATES source frames with the mouth open at least `least` mouth widths, spread
    over their openings."""
    gaps = [(source_gap(found), index) for index, found in enumerate(points) if found is not None]
    opened = sorted((gap, index) for gap, index in gaps if gap >= least)
    if len(opened) <= CANDIDATES:
        return [index for _gap, index in opened]
    picks = np.linspace(0, len(opened) - 1, CANDIDATES).round().astype(int)
    return [opened[pick][1] for pick in picks]


def lay_donor(out: np.ndarray, donor: Donor, target: np.ndarray, opacity: float = 1.0
              ) -> np.ndarray:
    """Lay the donor's mouth area, warped to `target`, into `out`; the backward shift at the
    mouth (target pixel + shift = where it is in the donor frame), for paint_mouth."""
    found = triangle_map(donor.rig, donor.points, target, out.shape)
    centre = target[[13, 14]].mean(axis=0)
    if found is None:
        return np.zeros(2, np.float32)
    (x0, y0, x1, y1), map_x, map_y = found
    texture = warp.remap(donor.frame, map_x, map_y)
    weight = _feathered(target, donor, (x0, y0, x1, y1)) * np.float32(opacity)
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
    if donor.outline is not None:
        border = np.round((target[donor.outline] - [x0, y0]) * (1 << _SHIFT)).astype(np.int32)
        cv2.fillPoly(mask, [border], 255, lineType=cv2.LINE_8, shift=_SHIFT)
    else:
        corners = np.round((target[donor.rig.triangles] - [x0, y0]) * (1 << _SHIFT)).astype(
            np.int32)
        for polygon in corners:
            cv2.fillConvexPoly(mask, polygon, 255, lineType=cv2.LINE_8, shift=_SHIFT)
    # Between the lips too: the donor's lips close over it, and the frame's own (perhaps open)
    # mouth must not show through.
    inner = np.round((inner_polygon(target) - [x0, y0]) * (1 << _SHIFT)).astype(np.int32)
    cv2.fillPoly(mask, [inner], 255, lineType=cv2.LINE_8, shift=_SHIFT)
    feather = max(1, round(FEATHER * donor.rig.frame.width))
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=feather)
    return cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), feather / 2)
