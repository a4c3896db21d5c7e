"""Mouth shapes -> where the face's landmarks go.

Lips are placed in a mouth frame (origin between the corners, u along the mouth, v towards the
chin, W the mouth width). The opening replaces whatever the source shows: the target gap is set
from the shape, so an open source mouth closes when the audio is silent. The lower lip carries most
of the opening (the jaw), the upper lip the rest; rounding pulls the corners in and pushes the
lips out, spreading pulls the corners out and thins the lips, a closure presses them together.
Lip motion spreads to the skin around the mouth and the chin, fading to nothing at the face oval
and the nose, so nothing on or outside the oval moves. Blinks bring the upper lids down.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ..common.faces import (
    EYE_CORNERS,
    EYE_LOWER,
    EYE_UPPER,
    FACE_OVAL,
    LIPS_INNER_LOWER,
    LIPS_INNER_UPPER,
    LIPS_OUTER_LOWER,
    LIPS_OUTER_UPPER,
)

MAX_GAP = 0.40  # widest inner-lip opening, in mouth widths
UPPER_SHARE = 0.3  # of an opening change, the upper lip's part (the jaw takes the rest)
LIPS = tuple(sorted(set(LIPS_OUTER_UPPER + LIPS_OUTER_LOWER + LIPS_INNER_UPPER
                        + LIPS_INNER_LOWER)))
CORNERS = (61, 291, 78, 308)
# Nose landmarks: fixed, so an opening stretches the upper lip rather than the nose.
NOSE = (1, 2, 4, 5, 19, 94, 97, 98, 326, 327, 141, 370, 164, 167, 393, 165, 391, 79, 309, 60,
        290, 75, 305, 99, 328, 240, 460, 64, 294, 48, 278, 102, 331, 129, 358, 219, 439, 218, 438)
LIDS = tuple(sorted(set(EYE_UPPER[0] + EYE_UPPER[1])))


@dataclass(frozen=True)
class Shape:
    open: float = 0.0
    round: float = 0.0
    spread: float = 0.0
    press: float = 0.0
    fv: float = 0.0


@dataclass
class MouthFrame:
    center: np.ndarray
    u: np.ndarray
    v: np.ndarray
    width: float

    @classmethod
    def of(cls, points: np.ndarray) -> MouthFrame:
        left, right = points[61], points[291]
        axis = right - left
        width = float(np.linalg.norm(axis)) or 1.0
        u = axis / width
        v = np.array([-u[1], u[0]], np.float32)
        center = (left + right) / 2
        if float(np.dot(points[152] - center, v)) < 0:
            v = -v
        return cls(center.astype(np.float32), u.astype(np.float32), v, width)

    def local(self, points: np.ndarray) -> np.ndarray:
        """(x in half-widths, y in widths) of frame points."""
        rel = points - self.center
        return np.stack([rel @ self.u / (self.width / 2), rel @ self.v / self.width], axis=-1)

    def to_frame(self, local_delta: np.ndarray) -> np.ndarray:
        """A displacement (x in half-widths, y in widths) as frame pixels."""
        return (np.outer(local_delta[..., 0] * self.width / 2, self.u)
                + np.outer(local_delta[..., 1] * self.width, self.v))


def source_gap(points: np.ndarray) -> float:
    """The source's inner-lip opening at the middle, in mouth widths."""
    frame = MouthFrame.of(points)
    return float(np.dot(points[14] - points[13], frame.v) / frame.width)


def lip_displacements(points: np.ndarray, shape: Shape,
                      weights: np.ndarray | None = None) -> np.ndarray:
    """(468, 2) displacement of every landmark for this mouth shape (lips and the skin around).

    weights: skin_weights() of this face, computed once (they hardly change from frame to frame).
    """
    frame = MouthFrame.of(points)
    local = frame.local(points)
    delta = np.zeros((len(points), 2), np.float32)
    gap_target = MAX_GAP * shape.open
    rounding = shape.round * min(1.0, 0.4 + shape.open)
    pairs = list(zip(LIPS_INNER_UPPER[1:-1], LIPS_INNER_LOWER[1:-1], strict=True))
    pair_x = np.array([(local[a, 0] + local[b, 0]) / 2 for a, b in pairs])
    # Opening profile across the mouth: full in the middle, none at the corners; rounder when
    # rounded.
    exponent = 0.7 - 0.35 * rounding
    change = []
    for (upper, lower), x in zip(pairs, pair_x, strict=True):
        profile = max(0.0, 1 - min(1.0, abs(x) / 0.95) ** 2) ** exponent
        current = local[lower, 1] - local[upper, 1]
        change.append(max(gap_target * profile, 0.0) - current)
    change = np.array(change)
    order = np.argsort(pair_x)
    xs, changes = pair_x[order], change[order]

    def opening_at(x: np.ndarray) -> np.ndarray:
        return np.interp(x, np.concatenate([[-1.05], xs, [1.05]]),
                         np.concatenate([[0.0], changes, [0.0]]))

    ids = _lip_ids(*lip_interior(points))
    upper_ids, lower_ids, lips = ids.upper, ids.lower, ids.lips
    inside_upper, inside_lower = ids.inside_upper, ids.inside_lower
    delta[upper_ids, 1] -= UPPER_SHARE * opening_at(local[upper_ids, 0])
    delta[lower_ids, 1] += (1 - UPPER_SHARE) * opening_at(local[lower_ids, 0])
    x = local[lips, 0]
    # Rounding: corners in, lips pushed out (fuller). Spreading: corners out and up, thinner.
    delta[lips, 0] += (-0.24 * rounding + 0.10 * shape.spread) * x
    delta[lips, 1] -= 0.03 * shape.spread * np.clip(np.abs(x), 0, 1) ** 2
    outer_upper, outer_lower = ids.outer_upper, ids.outer_lower
    fullness = 0.04 * rounding - 0.02 * shape.spread - 0.02 * shape.press
    delta[outer_upper, 1] -= fullness
    delta[outer_lower, 1] += fullness
    # The landmarks inside the lips go half as far: the lip's own thickness changes smoothly.
    delta[inside_upper, 1] -= fullness / 2
    delta[inside_lower, 1] += fullness / 2
    # F/V: the lower lip comes up and back under the upper teeth.
    delta[outer_lower, 1] -= 0.04 * shape.fv
    delta[inside_lower, 1] -= 0.02 * shape.fv
    moved = frame.to_frame(delta).astype(np.float32)
    result = spread_to_skin(points, moved, weights)
    # The landmarks inside the lips (between their outer and inner lines) move with the lip.
    result[ids.inside] = moved[ids.inside]
    return result


@dataclass(frozen=True)
class _LipIds:
    """Landmark ids lip_displacements moves, as index arrays (the mesh's topology: made once)."""

    upper: np.ndarray  # the upper lip's lines and interior, less the corners
    lower: np.ndarray
    lips: np.ndarray  # every lip landmark, interior included
    outer_upper: np.ndarray  # the outer lines, less the corners
    outer_lower: np.ndarray
    inside_upper: np.ndarray  # between the outer and the inner line
    inside_lower: np.ndarray
    inside: np.ndarray


@cache
def _lip_ids(inside_upper: tuple[int, ...], inside_lower: tuple[int, ...]) -> _LipIds:
    def ids(values) -> np.ndarray:
        return np.array(list(values), np.intp)

    return _LipIds(
        upper=ids(sorted(set(LIPS_OUTER_UPPER + LIPS_INNER_UPPER + inside_upper) - set(CORNERS))),
        lower=ids(sorted(set(LIPS_OUTER_LOWER + LIPS_INNER_LOWER + inside_lower) - set(CORNERS))),
        lips=ids(sorted(set(LIPS) | set(inside_upper) | set(inside_lower))),
        outer_upper=ids(sorted(set(LIPS_OUTER_UPPER) - set(CORNERS))),
        outer_lower=ids(sorted(set(LIPS_OUTER_LOWER) - set(CORNERS))),
        inside_upper=ids(inside_upper), inside_lower=ids(inside_lower),
        inside=ids(inside_upper + inside_lower))


_LIP_INTERIOR: list[tuple[tuple[int, ...], tuple[int, ...]]] = []


def lip_interior(points: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The mesh's landmarks inside the upper and the lower lip (between the outer and the inner
    line). Topology: found once, on the first face, then the same for every face."""
    if not _LIP_INTERIOR:
        import cv2  # noqa: PLC0415

        outer = np.concatenate([points[list(LIPS_OUTER_UPPER)],
                                points[list(LIPS_OUTER_LOWER[::-1])][1:-1]]).astype(np.float32)
        frame = MouthFrame.of(points)
        local = frame.local(points)
        upper_x, upper_y = _sorted_curve(local, LIPS_INNER_UPPER)
        lower_x, lower_y = _sorted_curve(local, LIPS_INNER_LOWER)
        upper, lower = [], []
        for index in range(len(points)):
            if index in LIPS:
                continue
            if cv2.pointPolygonTest(outer, tuple(map(float, points[index])), False) <= 0:
                continue
            x, y = local[index]
            middle = (np.interp(x, upper_x, upper_y) + np.interp(x, lower_x, lower_y)) / 2
            (upper if y < middle else lower).append(index)
        _LIP_INTERIOR.append((tuple(upper), tuple(lower)))
    return _LIP_INTERIOR[0]


def _sorted_curve(local: np.ndarray, ids) -> tuple[np.ndarray, np.ndarray]:
    values = local[list(ids)]
    order = np.argsort(values[:, 0])
    return values[order, 0], values[order, 1]


def spread_to_skin(points: np.ndarray, moved: np.ndarray, weights) -> np.ndarray:
    """Carry the lips' displacement to the skin around, fading to zero at the oval and nose."""
    if weights is None:
        weights = skin_weights(points)
    lips = np.array(LIPS)
    result = weights @ moved[lips]
    result[lips] = moved[lips]
    return result.astype(np.float32)


def skin_weights(points: np.ndarray) -> np.ndarray:
    """(468, 40): how much each landmark follows each lip landmark (0 on the oval and nose)."""
    frame = MouthFrame.of(points)
    lips = np.array(LIPS)
    fixed = np.array(sorted(set(FACE_OVAL) | set(NOSE) | set(_upper_face(points, frame))))
    to_lips = np.linalg.norm(points[:, None, :] - points[None, lips, :], axis=-1)
    to_fixed = np.linalg.norm(points[:, None, :] - points[None, fixed, :], axis=-1).min(axis=1)
    sigma = 0.35 * frame.width
    kernel = np.exp(-0.5 * (to_lips / sigma) ** 2)
    kernel /= kernel.sum(axis=1, keepdims=True) + 1e-9
    near_lips = to_lips.min(axis=1)
    # Below the mouth (the chin) follows the jaw more than the cheeks do.
    below = np.clip(frame.local(points)[:, 1] / 0.5, 0, 1)
    reach = 0.9 - 0.45 * below
    follow = to_fixed / (to_fixed + reach * near_lips + 1e-6)
    # Between the nose and the upper lip the skin follows less and less: the nose stays put.
    heights = (points - frame.center) @ frame.v
    nose_base, lip_top = float(heights[2]), float(heights[0])
    follow *= np.clip((heights - nose_base) / max(1e-3, lip_top - nose_base), 0, 1) ** 1.5
    follow[fixed] = 0.0
    return (kernel * follow[:, None]).astype(np.float32)


def _upper_face(points: np.ndarray, frame: MouthFrame) -> np.ndarray:
    """Landmarks above the nose tip (the mouth never moves them)."""
    nose_y = float((points[1] - frame.center) @ frame.v)
    heights = (points - frame.center) @ frame.v
    return np.nonzero(heights < nose_y)[0]


def blink_displacements(points: np.ndarray, amount: float) -> np.ndarray:
    """(468, 2): the upper lids brought down by `amount` (1 = closed), the crease above a bit."""
    delta = np.zeros((len(points), 2), np.float32)
    if amount <= 0:
        return delta
    for side in (0, 1):
        upper, lower = np.array(EYE_UPPER[side]), np.array(EYE_LOWER[side])
        corner_a, corner_b = (points[i] for i in EYE_CORNERS[side])
        axis = corner_b - corner_a
        length = float(np.linalg.norm(axis)) or 1.0
        along_lower = ((points[lower] - corner_a) @ axis) / length
        for index in upper:
            t = float((points[index] - corner_a) @ axis) / length
            below = points[lower[np.argmin(np.abs(along_lower - t))]]
            delta[index] = amount * 0.92 * (below - points[index])
        # The skin just above the lid follows a little (the lid is not a sticker).
        eye_center = points[list(EYE_CORNERS[side])].mean(axis=0)
        distance = np.linalg.norm(points - eye_center, axis=1)
        ring = np.nonzero((distance < 0.9 * length) & (distance > 0))[0]
        ring = np.setdiff1d(ring, np.concatenate([upper, lower, list(EYE_CORNERS[side])]))
        lid_mean = delta[upper].mean(axis=0)
        above = ((points[ring] - eye_center) @ np.array([-axis[1], axis[0]]) / length) * np.sign(
            (points[upper].mean(axis=0) - eye_center) @ np.array([-axis[1], axis[0]]))
        follow = np.clip(1 - distance[ring] / (0.9 * length), 0, 1) * 0.3 * (above > 0)
        delta[ring] += follow[:, None] * lid_mean
    return delta


@cache
def triangles() -> np.ndarray:
    """The face mesh's triangles, (n, 3) landmark ids, from mediapipe's tesselation edges.

    Triangles are the 3-cycles of the edge graph, less the separating ones (a 3-cycle around
    other triangles, not a face): every edge of one of those is shared by three 3-cycles, where
    a face's edge is shared by at most two faces.
    """
    from mediapipe.python.solutions.face_mesh_connections import (
        FACEMESH_TESSELATION,
    )

    neighbours: dict[int, set[int]] = {}
    for a, b in FACEMESH_TESSELATION:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    found = set()
    for a, b in FACEMESH_TESSELATION:
        for c in neighbours[a] & neighbours[b]:
            found.add(tuple(sorted((a, b, c))))
    uses: dict[tuple[int, int], int] = {}
    for a, b, c in found:
        for edge in ((a, b), (b, c), (a, c)):
            uses[edge] = uses.get(edge, 0) + 1
    faces = [t for t in found
             if not all(uses[e] >= 3 for e in ((t[0], t[1]), (t[1], t[2]), (t[0], t[2])))]
    return np.array(sorted(faces), np.int32)


def face_triangles(points: np.ndarray) -> np.ndarray:
    """The triangles for this face (the topology is the mesh's, the same for every face)."""
    return triangles()
