"""Frames: the landmark-driven warp and a painted mouth interior.

The warp is piecewise affine on mediapipe's face mesh: a triangle whose corners move maps its
target position back to its source position; every other pixel is left alone. The face oval's
landmarks never move, so nothing on or outside the oval (the jaw line, the collar) warps, and the
map is continuous everywhere: no seam. The mesh has no triangles inside the lips, so the opening
is painted: the upper teeth stay fixed to the head (taken from the image where it shows them,
otherwise drawn in the image's own light), the lower teeth and tongue ride with the jaw, and the
cavity is shaded darker towards the throat and the corners; its edge is anti-aliased against the
lips.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..common.faces import (
    FACE_OVAL,
    LIPS_INNER_LOWER,
    LIPS_INNER_UPPER,
    LIPS_OUTER_LOWER,
    LIPS_OUTER_UPPER,
)
from . import mouth as mouth_model
from .mouth import MouthFrame

_SHIFT = 4  # fillConvexPoly sub-pixel bits
_MOVING = 0.02  # px: a landmark that moves less than this does not make its triangles move
_DEFAULT_TEETH = np.array([0.90, 0.86, 0.79], np.float32)
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass
class FaceRig:
    """What stays fixed for one face of one source picture."""

    points: np.ndarray  # (468, 2) source landmarks
    triangles: np.ndarray
    frame: MouthFrame
    upper_curve: tuple[np.ndarray, np.ndarray]  # source inner lips: x (half-widths) -> y (widths)
    lower_curve: tuple[np.ndarray, np.ndarray]
    teeth_colour: np.ndarray  # RGB 0..1
    light: float  # the face's brightness, 1 = ordinary
    source_open: bool  # the source shows an opening (teeth from the image)
    skin: np.ndarray | None = None  # mouth.skin_weights of the points
    lip_colour: np.ndarray | None = None  # RGB 0..255, the lips' own (halfway into them)


def build_rig(image: np.ndarray, points: np.ndarray, triangles: np.ndarray | None = None,
              skin: np.ndarray | None = None) -> FaceRig:
    frame = MouthFrame.of(points)
    upper = _curve(frame, points, LIPS_INNER_UPPER)
    lower = _curve(frame, points, LIPS_INNER_LOWER)
    light = _skin_light(image, points)
    gap = mouth_model.source_gap(points)
    teeth = _DEFAULT_TEETH * np.clip(light, 0.55, 1.1)
    source_open = False
    if gap * frame.width > 2.5:
        pixels = _pixels_inside(image, inner_polygon(points))
        if len(pixels) >= 6:
            luma = pixels @ np.array([0.299, 0.587, 0.114], np.float32)
            bright = pixels[luma >= np.percentile(luma, 70)]
            source_open = True
            if float(bright.mean()) > 0.45:
                teeth = bright.mean(axis=0)
    if triangles is None:
        triangles = mouth_model.face_triangles(points)
    if skin is None:
        skin = mouth_model.skin_weights(points)
    return FaceRig(points, triangles, frame, upper, lower, teeth.astype(np.float32),
                   float(light), source_open, skin, _lip_colour(image, points))


def _lip_colour(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The lips' median colour, halfway between their outer and inner lines."""
    inner = points[list(LIPS_INNER_UPPER) + list(LIPS_INNER_LOWER)]
    outer = points[list(LIPS_OUTER_UPPER) + list(LIPS_OUTER_LOWER)]
    middle = np.round((inner + outer) / 2).astype(int)
    height, width = image.shape[:2]
    xs, ys = np.clip(middle[:, 0], 0, width - 1), np.clip(middle[:, 1], 0, height - 1)
    return np.median(image[ys, xs].astype(np.float32), axis=0)


def _curve(frame: MouthFrame, points: np.ndarray, ids) -> tuple[np.ndarray, np.ndarray]:
    local = frame.local(points[list(ids)])
    order = np.argsort(local[:, 0])
    return local[order, 0], local[order, 1]


_INNER_POLYGON = np.array(LIPS_INNER_UPPER + LIPS_INNER_LOWER[::-1][1:-1])
_OUTER_POLYGON = np.array(LIPS_OUTER_UPPER + LIPS_OUTER_LOWER[::-1][1:-1])


def inner_polygon(points: np.ndarray) -> np.ndarray:
    return points[_INNER_POLYGON]


def _box_around(polygon: np.ndarray, before: int, after: int, frame_shape
                ) -> tuple[int, int, int, int]:
    """The pixel box around `polygon`, `before` pixels wider up and left, `after` down and right,
    clipped to the frame (empty when x1 <= x0 or y1 <= y0)."""
    height, width = frame_shape[:2]
    low, high = polygon.min(axis=0), polygon.max(axis=0)
    return (max(int(np.floor(low[0])) - before, 0), max(int(np.floor(low[1])) - before, 0),
            min(int(np.ceil(high[0])) + after, width), min(int(np.ceil(high[1])) + after, height))


def _pixels_inside(image: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """RGB (0..1) of the pixels well inside `polygon`, rasterised over its own box only."""
    x0, y0, x1, y1 = _box_around(polygon, 2, 3, image.shape)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 3), np.float32)
    inside = _polygon_mask((y1 - y0, x1 - x0), polygon - [x0, y0], erode=1)
    return image[y0:y1, x0:x1][inside > 0].astype(np.float32) / 255


def _polygon_mask(shape, polygon: np.ndarray, erode: int = 0) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * (1 << _SHIFT)).astype(np.int32)], 255,
                 lineType=cv2.LINE_AA, shift=_SHIFT)
    if erode:
        mask = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=erode)
    return mask


def _skin_light(image: np.ndarray, points: np.ndarray) -> float:
    """Brightness of the cheeks relative to an ordinary lit face (luma ~150)."""
    samples = []
    height, width = image.shape[:2]
    for index in (50, 280, 101, 330):  # cheek landmarks
        x, y = np.round(points[index]).astype(int)
        if 2 <= x < width - 2 and 2 <= y < height - 2:
            samples.append(image[y - 2: y + 3, x - 2: x + 3].reshape(-1, 3).mean(axis=0))
    if not samples:
        return 1.0
    luma = float(np.mean(samples, axis=0) @ np.array([0.299, 0.587, 0.114]))
    return luma / 150.0


def face_box(points: np.ndarray) -> tuple[int, int, int, int]:
    oval = points[list(FACE_OVAL)]
    x0, y0 = np.floor(oval.min(axis=0)).astype(int)
    x1, y1 = np.ceil(oval.max(axis=0)).astype(int)
    return int(x0), int(y0), int(x1), int(y1)


def triangle_map(rig: FaceRig, moved: np.ndarray, target: np.ndarray, frame_shape
                 ) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray] | None:
    """The backward map (target pixel -> position in the `moved` picture) over the box of the
    triangles that move; None when nothing moves."""
    moving = np.linalg.norm(target - moved, axis=1) > _MOVING
    tris = rig.triangles[moving[rig.triangles].any(axis=1)]
    if len(tris) == 0:
        return None
    # The box of the moving triangles' corners, before and after: only their landmarks count.
    used = np.zeros(len(target), bool)
    used[tris] = True
    x0, y0, x1, y1 = _box_around(np.concatenate([target[used], moved[used]]), 2, 3, frame_shape)
    if x1 <= x0 or y1 <= y0:
        return None
    # Triangles that are (nearly) flat in the target cover no pixel: leave them out.
    target_corners = target[tris]
    a, b, c = target_corners[:, 0], target_corners[:, 1], target_corners[:, 2]
    ab, ac = b - a, c - a
    area = np.abs(ab[:, 0] * ac[:, 1] - ac[:, 0] * ab[:, 1])
    keep = area > 1e-3
    tris, target_corners = tris[keep], target_corners[keep]
    origin = np.array([x0, y0], np.float32)
    index = _triangle_index(target_corners - origin, (y1 - y0, x1 - x0))
    _fill_holes(index, inner_polygon(target) - origin)
    map_x, map_y = _grid_maps((x0, y0, x1, y1))
    inside = index > 0
    rows, cols = np.nonzero(inside)
    px, py = (cols + x0).astype(np.float32), (rows + y0).astype(np.float32)
    sample = _sampled_points(rig, moved)
    map_x[inside], map_y[inside] = _barycentric_positions(
        target_corners, sample[tris], index[inside] - 1, px, py)
    return (x0, y0, x1, y1), map_x, map_y


def _triangle_index(corners: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Each pixel's triangle number (1-based; 0: none), later triangles over earlier ones."""
    index = np.zeros(shape, np.int32)
    scaled = np.round(corners * (1 << _SHIFT)).astype(np.int32)
    fill = cv2.fillConvexPoly
    for number, polygon in enumerate(scaled, start=1):
        fill(index, polygon, number, cv2.LINE_8, _SHIFT)
    return index


def _fill_holes(index: np.ndarray, inner: np.ndarray) -> None:
    """Pixels on a shared edge that neither triangle claimed take a neighbour's map (in place).

    Inside the lips (the mesh has no triangles there) the nearest lip takes over, so a closed or
    nearly closed mouth shows lip, not the source's teeth through a crack. Cracks between
    triangles (pixels the rasteriser gave to none) are filled too; the outside of the mesh is
    not (it would grow the face by a pixel). `inner`: the target's inner lips, in box pixels."""
    square = np.ones((3, 3), np.uint8)
    lips = np.zeros(index.shape, np.uint8)
    cv2.fillPoly(lips, [np.round(inner * (1 << _SHIFT)).astype(np.int32)], 1,
                 lineType=cv2.LINE_8, shift=_SHIFT)
    lips = cv2.dilate(lips, square)
    empty = index == 0
    cracks = cv2.morphologyEx((~empty).view(np.uint8), cv2.MORPH_CLOSE, square)
    holes = empty & ((lips > 0) | (cracks > 0))
    if not holes.any():
        return
    # Holes only shrink from one step to the next, and a step reads one pixel around each: the
    # box of the first holes, a pixel wider, holds all the work (the same values as the whole).
    rows, cols = np.nonzero(holes.any(axis=1))[0], np.nonzero(holes.any(axis=0))[0]
    ry0, ry1 = max(rows[0] - 1, 0), rows[-1] + 2
    rx0, rx1 = max(cols[0] - 1, 0), cols[-1] + 2
    part, fill = index[ry0:ry1, rx0:rx1], holes[ry0:ry1, rx0:rx1]
    for step in range(6):
        if step:
            fill = fill & (part == 0)
            if not fill.any():
                break
        # Triangle numbers stay far below 2**16: uint16 holds them exactly.
        grown = cv2.dilate(part.astype(np.uint16), square)
        np.copyto(part, grown, where=fill, casting="unsafe")


def _grid_maps(box) -> tuple[np.ndarray, np.ndarray]:
    """The identity map over `box`: each pixel's own x and y (float32)."""
    x0, y0, x1, y1 = box
    map_x = np.empty((y1 - y0, x1 - x0), np.float32)
    map_y = np.empty_like(map_x)
    map_x[...] = np.arange(x0, x1, dtype=np.float32)
    map_y[...] = np.arange(y0, y1, dtype=np.float32)[:, None]
    return map_x, map_y


_LIP_PAIRS = (np.array(LIPS_INNER_UPPER[1:-1] + LIPS_INNER_LOWER[1:-1]),
              np.array(LIPS_OUTER_UPPER[1:-1] + LIPS_OUTER_LOWER[1:-1]))


def _sampled_points(rig: FaceRig, moved: np.ndarray) -> np.ndarray:
    """Where the map samples each landmark: its own place, but an open source's inner lip line
    borders its teeth, so there a little into the lip instead."""
    if not rig.source_open:
        return moved
    inner_ids, outer_ids = _LIP_PAIRS
    sample = moved.copy()
    sample[inner_ids] += 0.25 * (moved[outer_ids] - moved[inner_ids])
    return sample


def _barycentric_positions(target_corners: np.ndarray, sample_corners: np.ndarray,
                           chosen: np.ndarray, px: np.ndarray, py: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Source x and y of pixels (px, py) in triangles `chosen`: barycentric coordinates, clipped
    to the triangle (a pixel the rasteriser gave a thin triangle although its centre lies just
    outside still maps between that triangle's corners)."""
    inverse = _barycentric(target_corners)  # (n, 3, 3): [x y 1] @ inverse = weights
    # One gather of whole rows per table (a block copy), then strided columns: the same float32
    # operations in the same order as a (m, 3) product and sum, without (m, 3, 3) temporaries.
    picked = np.take(inverse.reshape(-1, 9), chosen, axis=0)  # column 3 * i + k: [i, k]
    corner = np.take(sample_corners.reshape(-1, 6), chosen, axis=0)  # x0 y0 x1 y1 x2 y2
    weights = [np.clip(px * picked[:, k] + py * picked[:, 3 + k] + picked[:, 6 + k], 0, None)
               for k in range(3)]
    total = np.maximum(weights[0] + weights[1] + weights[2], 1e-6)
    weights = [weight / total for weight in weights]
    return tuple(weights[0] * corner[:, axis] + weights[1] * corner[:, 2 + axis]
                 + weights[2] * corner[:, 4 + axis] for axis in (0, 1))


def _barycentric(corners: np.ndarray) -> np.ndarray:
    """(n, 3, 3) inverses of [[x0 y0 1], [x1 y1 1], [x2 y2 1]] (closed form: many tiny matrices)."""
    c = corners.astype(np.float64)
    x0, y0, x1, y1, x2, y2 = c[:, 0, 0], c[:, 0, 1], c[:, 1, 0], c[:, 1, 1], c[:, 2, 0], c[:, 2, 1]
    det = x0 * (y1 - y2) + x1 * (y2 - y0) + x2 * (y0 - y1)
    det = np.where(np.abs(det) < 1e-9, 1e-9, det)
    inverse = np.empty((len(c), 3, 3), np.float64)
    inverse[:, 0, 0], inverse[:, 0, 1], inverse[:, 0, 2] = y1 - y2, y2 - y0, y0 - y1
    inverse[:, 1, 0], inverse[:, 1, 1], inverse[:, 1, 2] = x2 - x1, x0 - x2, x1 - x0
    inverse[:, 2, 0] = x1 * y2 - x2 * y1
    inverse[:, 2, 1] = x2 * y0 - x0 * y2
    inverse[:, 2, 2] = x0 * y1 - x1 * y0
    return (inverse / det[:, None, None]).astype(np.float32)


def paint_mouth(out: np.ndarray, source: np.ndarray, rig: FaceRig, target: np.ndarray,
                head_shift: np.ndarray) -> None:
    """Paint the mouth's inside within the target inner lips (in place on `out`).

    head_shift: the head's backward displacement at the mouth (0 without head motion): adds to a
    target pixel to find where it was in `source`.
    """
    polygon = inner_polygon(target)
    frame_now = MouthFrame.of(target)
    upper_t = _curve(frame_now, target, LIPS_INNER_UPPER)
    lower_t = _curve(frame_now, target, LIPS_INNER_LOWER)
    middle = (np.interp(0, *lower_t) - np.interp(0, *upper_t)) * frame_now.width
    _lift_dark_lips(out, rig, target, closed=middle < 1.2)
    if middle < 1.2:
        _lip_line(out, target, 1 - middle / 1.2)
        return
    x0, y0, x1, y1 = _box_around(polygon, 1, 2, out.shape)
    if x1 <= x0 or y1 <= y0:
        return
    alpha = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(alpha, [np.round((polygon - [x0, y0]) * (1 << _SHIFT)).astype(np.int32)], 255,
                 lineType=cv2.LINE_AA, shift=_SHIFT)
    if not alpha.any():
        return
    pixels = _pixel_grid((x0, y0, x1, y1))
    shape = pixels.shape[:2]
    # Where each pixel is in the source picture's mouth frame (head motion undone).
    src = rig.frame
    head = pixels + head_shift
    local = src.local(head.reshape(-1, 2)).reshape(*shape, 2)
    x, y = local[..., 0], local[..., 1]
    now = frame_now.local(pixels.reshape(-1, 2)).reshape(*shape, 2)
    now_x, now_y = now[..., 0], now[..., 1]
    lower_now = np.interp(now_x, *lower_t)
    upper_now = np.interp(now_x, *upper_t)
    upper_src = np.interp(x, *rig.upper_curve)
    lower_src = np.interp(x, *rig.lower_curve)
    width_px = src.width
    opening = (lower_now - upper_now)  # widths, per column
    widest = float(opening.max())
    light = float(np.clip(rig.light, 0.45, 1.25))
    below_upper, above_lower = now_y - upper_now, lower_now - now_y
    edge_distance = np.minimum(below_upper, above_lower)
    across = (now_x / 0.6) ** 2  # tongue and lower teeth: round towards the corners

    # Cavity: dark red, darkest deep in the middle of the opening and towards the corners.
    depth = np.clip(edge_distance / np.maximum(opening / 2, 1e-3), 0, 1)
    cavity = np.array([0.30, 0.11, 0.11], np.float32) * light
    shade = (0.85 - 0.45 * depth) * (1 - 0.55 * np.clip(np.abs(now_x), 0, 1) ** 2)
    colour = cavity * shade[..., None]
    # Tongue: a soft, dim red mound on the floor of the mouth, riding with the jaw. (A mix with
    # a weight of zero everywhere leaves the colour as it is: skipped.)
    if widest > 0.08:
        tongue_y = (now_y - (lower_now - 0.10)) / 0.12
        tongue = np.clip(1 - across - tongue_y ** 2, 0, 1) ** 0.5
        tongue *= np.clip((opening - 0.08) / 0.12, 0, 1)
        colour = _mix(colour, np.array([0.55, 0.24, 0.25], np.float32) * light * 0.75, tongue)
    # The inner, wet side of the lips borders the opening (not a dark ring): lip colour, a
    # little darker, fading into the cavity.
    if rig.lip_colour is not None:
        rim = np.clip(1 - edge_distance / 0.03, 0, 1) * 0.85
        colour = _mix(colour, rig.lip_colour / 255 * 0.72, rim)
    # Lower teeth: a narrow, shadowed band just above the lower lip when the jaw is well open.
    lower_band = 0.035 * np.clip((opening - 0.18) / 0.1, 0, 1)
    teeth = rig.teeth_colour
    if float(lower_band.max()) > 0.004:
        edge_lower = lower_now - lower_band
        in_lower = _smooth_step(edge_lower - 0.006, edge_lower + 0.006, now_y)
        in_lower *= np.clip(1 - across, 0, 1) * (lower_band > 0.004)
        colour = _mix(colour, teeth * 0.5 * _teeth_shade(now_x)[..., None], in_lower * 0.8)
    # Upper teeth: fixed to the head, edge just under the source's (closed) lip line.
    if rig.source_open:
        edge = lower_src - 0.01
    else:
        edge = upper_src + 0.025
    in_upper = 1 - _smooth_step(edge - 0.008, edge + 0.008, y)
    in_upper *= np.clip(1 - (x / 0.85) ** 2, 0, 1) ** 0.35
    upper_colour = teeth * _teeth_shade(x)[..., None] * (0.82 + 0.18 * np.clip(
        (edge - y) / 0.05, 0, 1))[..., None]
    upper_colour *= _tooth_gaps(x, width_px)[..., None]
    if rig.source_open:
        # Teeth from the image where it shows them: the source pixel at the same head position.
        shown = _smooth_step(upper_src - 0.004, upper_src + 0.012, y) * (
            1 - _smooth_step(lower_src - 0.012, lower_src + 0.004, y))
        sampled = cv2.remap(source, head[..., 0].astype(np.float32),
                            head[..., 1].astype(np.float32), cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT).astype(np.float32) / 255
        upper_colour = _mix(upper_colour, sampled, shown)
        in_upper = np.maximum(in_upper, shown)
    colour = _mix(colour, upper_colour, in_upper)
    # Shadow of the upper lip on what is just under it.
    under_lip = np.clip(below_upper / 0.035, 0, 1)
    colour *= (0.72 + 0.28 * under_lip)[..., None]
    weight = (alpha.astype(np.float32) / 255)[..., None]
    region = out[y0:y1, x0:x1].astype(np.float32)
    blended = region * (1 - weight) + np.clip(colour, 0, 1) * 255 * weight
    out[y0:y1, x0:x1] = np.round(blended).astype(np.uint8)


def _pixel_grid(box) -> np.ndarray:
    """(h, w, 2) float32: each pixel's own (x, y) over `box`."""
    x0, y0, x1, y1 = box
    pixels = np.empty((y1 - y0, x1 - x0, 2), np.float32)
    pixels[..., 0] = np.arange(x0, x1, dtype=np.float32)
    pixels[..., 1] = np.arange(y0, y1, dtype=np.float32)[:, None]
    return pixels


def _lift_dark_lips(out: np.ndarray, rig: FaceRig, target: np.ndarray, closed: bool) -> None:
    """Lips show lip: where the warp brought the source's dark mouth corners, the shadow along
    its inner lip line or (closing an open mouth) its teeth onto the lips, those pixels are
    pulled towards the lips' own colour. No dark dashes along a closed seam, no rim around an
    opened mouth. `closed`: the seam between the lips is lip too. A source whose lips meet
    has none of that, and its own seam stays as it is."""
    if rig.lip_colour is None or not rig.source_open:
        return
    outer = target[_OUTER_POLYGON]
    x0, y0, x1, y1 = _box_around(outer, 1, 2, out.shape)
    if x1 <= x0 or y1 <= y0:
        return
    band = _polygon_mask((y1 - y0, x1 - x0), outer - [x0, y0]).astype(np.float32) / 255
    if not closed:
        hole = _polygon_mask((y1 - y0, x1 - x0), inner_polygon(target) - [x0, y0], erode=0)
        hole = cv2.dilate(hole, np.ones((3, 3), np.uint8))
        band *= 1 - hole.astype(np.float32) / 255
    region = out[y0:y1, x0:x1].astype(np.float32)
    luma = region @ _LUMA
    lip_luma = float(rig.lip_colour @ _LUMA)
    dark = np.clip((0.8 * lip_luma - luma) / max(0.3 * lip_luma, 1.0), 0, 1)
    bright = np.clip((luma - 1.12 * lip_luma) / max(0.15 * lip_luma, 1.0), 0, 1)
    lift = np.maximum(dark, bright) * band
    region += (rig.lip_colour - region) * lift[..., None]
    out[y0:y1, x0:x1] = np.round(region).astype(np.uint8)


def _lip_line(out: np.ndarray, target: np.ndarray, strength: float) -> None:
    """Where closed lips meet: a soft darker line along the inner lip."""
    line = target[list(LIPS_INNER_UPPER)]
    x0, y0, x1, y1 = _box_around(line, 2, 3, out.shape)
    if x1 <= x0 or y1 <= y0:
        return
    alpha = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.polylines(alpha, [np.round((line - [x0, y0]) * (1 << _SHIFT)).astype(np.int32)], False,
                  255, thickness=1, lineType=cv2.LINE_AA, shift=_SHIFT)
    weight = (alpha.astype(np.float32) / 255 * 0.45 * strength)[..., None]
    region = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = np.round(region * (1 - weight) + region * 0.45 * weight).astype(np.uint8)


def _mix(base: np.ndarray, top: np.ndarray, amount: np.ndarray) -> np.ndarray:
    amount = np.clip(amount, 0, 1)[..., None]
    return base * (1 - amount) + top * amount


def _smooth_step(edge0, edge1, value):
    t = np.clip((value - edge0) / np.maximum(edge1 - edge0, 1e-6), 0, 1)
    return t * t * (3 - 2 * t)


def _teeth_shade(x: np.ndarray) -> np.ndarray:
    """Teeth turn away from the light towards the corners."""
    return np.clip(1 - 0.75 * np.clip(np.abs(x), 0, 1.2) ** 2, 0.15, 1)


def _tooth_gaps(x: np.ndarray, width_px: float) -> np.ndarray:
    """Faint darker lines between the incisors and canines (only where they are a pixel wide)."""
    if width_px < 45:
        return np.ones_like(x)
    # All boundaries at once (one more leading axis), then their factors multiplied in order:
    # the same values as one boundary at a time, with a few numpy calls instead of 9 each.
    boundaries = _TOOTH_BOUNDARIES.astype(x.dtype).reshape((-1,) + (1,) * x.ndim)
    distance = np.abs(x - boundaries) * width_px / 2
    factors = 1 - 0.18 * np.clip(1 - distance / 0.8, 0, 1)
    return np.multiply.reduce(factors, axis=0)


_TOOTH_BOUNDARIES = np.array([0.0, 0.19, -0.19, 0.35, -0.35, 0.5, -0.5])
