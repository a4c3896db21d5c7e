"""Retargeting a talking source: its lips go back to this speaker's own closed mouth first.

Footage of a person who is already speaking moves the mouth on its own. Adding the new audio's
opening on top of that keeps the old speech visible, so video mode first takes every frame's
lips (and the skin around them) to the speaker's neutral closed mouth, then opens that mouth for
the new audio (`mouth.lip_displacements`): an open source mouth closes for silence and M/B/P, a
closed one opens on vowels.

The neutral mouth is found in the footage: the frames with the smallest inner-lip gap, their
lips brought into one head position (a similarity fit on the landmarks above the mouth, which
speech does not move) and averaged. For each frame it is put back where that frame's head is,
so head motion, turns and blinks stay the source's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mouth import LIPS, lip_interior, source_gap, spread_to_skin

# Eye corners, brows and forehead: they hold still while the mouth talks. Not the nose: the
# face mesh draws its landmarks down by a pixel as the mouth opens (r -0.9 with the lip gap).
STABLE = (33, 133, 263, 362, 10, 151, 9, 8, 46, 276, 105, 334, 70, 300, 107, 336)


@dataclass(frozen=True)
class Neutral:
    """The speaker's closed mouth: the source frame `index` with the smallest inner-lip gap."""

    index: int
    reference: np.ndarray  # (468, 2) landmarks of that frame
    gap: float  # its inner-lip gap, in mouth widths

    def placed(self, points: np.ndarray) -> np.ndarray:
        """The neutral mouth landmarks (`mouth_ids`) where this frame's head is."""
        scale_rotation, shift = similarity(self.reference[list(STABLE)], points[list(STABLE)])
        return self.reference[mouth_ids(points)] @ scale_rotation.T + shift


def mouth_ids(points: np.ndarray) -> np.ndarray:
    """The lip landmarks and the mesh's landmarks inside the lips."""
    upper, lower = lip_interior(points)
    return np.array(sorted(set(LIPS) | set(upper) | set(lower)))


def find_neutral(points: list[np.ndarray | None]) -> Neutral | None:
    """The most closed mouth of the speaker in these frames (landmarks, None where no face)."""
    gaps = [(source_gap(found), index) for index, found in enumerate(points)
            if found is not None]
    if not gaps:
        return None
    gap, index = min(gaps)
    return Neutral(index, points[index], float(gap))


def neutralised(points: np.ndarray, neutral: Neutral, weights: np.ndarray | None) -> np.ndarray:
    """This frame's landmarks with the lips at the neutral mouth and the skin around following."""
    ids = mouth_ids(points)
    delta = np.zeros_like(points, dtype=np.float32)
    delta[ids] = neutral.placed(points) - points[ids]
    moved = spread_to_skin(points, delta, weights)
    moved[ids] = delta[ids]
    return (points + moved).astype(np.float32)


def similarity(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rotation+scale (2x2) and shift that best carry `source` points onto `target`
    (least squares, Umeyama)."""
    source = np.asarray(source, np.float64)
    target = np.asarray(target, np.float64)
    mean_s, mean_t = source.mean(axis=0), target.mean(axis=0)
    s, t = source - mean_s, target - mean_t
    covariance = t.T @ s / len(source)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ sign @ vt
    variance = float((s ** 2).sum() / len(source)) or 1.0
    scale = float(np.trace(np.diag(singular) @ sign)) / variance
    scale_rotation = scale * rotation
    return scale_rotation, mean_t - mean_s @ scale_rotation.T
