"""Faces: full-range detection, then the face mesh on a square crop around each face.

FaceMesh's own short-range detector misses faces in wide 16:9 frames, so detection runs first
with the full-range model and the mesh runs on a crop about twice the face box. Video frames are
tracked (the previous face's crop first, detection again when it is lost) and the landmarks are
smoothed over time without delay (a zero-phase Gaussian over each run of frames with a face).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import models

# Landmark indices of mediapipe's 478-point mesh.
LIPS_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIPS_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIPS_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
             377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67,
             109)
EYE_UPPER = ((246, 161, 160, 159, 158, 157, 173), (466, 388, 387, 386, 385, 384, 398))
EYE_LOWER = ((7, 163, 144, 145, 153, 154, 155), (249, 390, 373, 374, 380, 381, 382))
EYE_CORNERS = ((33, 133), (263, 362))
CHIN = 152
LANDMARKS = 468  # the iris points (468..477) are not used


@dataclass
class Face:
    points: np.ndarray  # (468, 2) float32 pixel coordinates in the frame

    @property
    def box(self) -> tuple[float, float, float, float]:
        """x0, y0, x1, y1 of the face oval."""
        oval = self.points[list(FACE_OVAL)]
        return (*oval.min(axis=0), *oval.max(axis=0))

    @property
    def size(self) -> float:
        x0, y0, x1, y1 = self.box
        return float(max(x1 - x0, y1 - y0))

    @property
    def center(self) -> np.ndarray:
        x0, y0, x1, y1 = self.box
        return np.array([(x0 + x1) / 2, (y0 + y1) / 2], np.float32)

    @property
    def eye_distance(self) -> float:
        left = self.points[list(EYE_CORNERS[0])].mean(axis=0)
        right = self.points[list(EYE_CORNERS[1])].mean(axis=0)
        return float(np.linalg.norm(right - left))

    @property
    def lip_gap(self) -> float:
        """Inner-lip opening in the middle of the mouth, over the eye distance."""
        upper = self.points[[82, 13, 312]].mean(axis=0)
        lower = self.points[[87, 14, 317]].mean(axis=0)
        return float(np.linalg.norm(lower - upper) / max(1.0, self.eye_distance))


def detect_boxes(rgb: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Face boxes (x0, y0, x1, y1 in pixels), largest first."""
    height, width = rgb.shape[:2]
    with models.lock:
        result = models.face_detector().process(np.ascontiguousarray(rgb))
    boxes = []
    for detection in result.detections or []:
        box = detection.location_data.relative_bounding_box
        x0, y0 = box.xmin * width, box.ymin * height
        boxes.append((x0, y0, x0 + box.width * width, y0 + box.height * height))
    return sorted(boxes, key=lambda b: -(b[2] - b[0]) * (b[3] - b[1]))


def mesh_in_box(rgb: np.ndarray, box, scale: float = 2.2) -> Face | None:
    """The face mesh on a square crop `scale` times the box around its centre."""
    crop, (ox, oy) = square_crop(rgb, box, scale)
    if crop.size == 0:
        return None
    with models.lock:
        result = models.face_mesh_static().process(crop)
    if not result.multi_face_landmarks:
        return None
    return _face_from(result.multi_face_landmarks[0], crop.shape, ox, oy)


def square_crop(rgb: np.ndarray, box, scale: float):
    _, (left, top), (right, bottom) = _crop_corners(rgb, box, scale)
    return np.ascontiguousarray(rgb[top:bottom, left:right]), (left, top)


def _face_from(landmarks, shape, ox: int, oy: int) -> Face:
    height, width = shape[:2]
    points = np.array([(p.x * width + ox, p.y * height + oy)
                       for p in landmarks.landmark[:LANDMARKS]], np.float32)
    return Face(points)


def find_faces(rgb: np.ndarray, limit: int) -> list[Face]:
    """Up to `limit` faces, largest first: full-range detection, then the mesh on each crop."""
    faces = []
    for box in detect_boxes(rgb):
        face = mesh_in_box(rgb, box)
        if face is None:
            continue
        # The detector can report one face twice; a mesh centred in a face we have is a repeat.
        if any(np.linalg.norm(face.center - other.center) < 0.3 * other.size for other in faces):
            continue
        faces.append(face)
        if len(faces) == limit:
            break
    return faces


class FaceTracker:
    """One face through the frames of a video.

    A run starts with full-range detection and the static mesh; then a tracking mesh follows the
    face on a fixed crop around it, each frame's landmarks seeding the next (~4 ms a frame where a
    mesh that detects again costs ~11). A new run starts when the face is lost or nears the
    crop's edge (the tracker's coordinates belong to its crop, so the crop cannot follow).
    """

    def __init__(self) -> None:
        self.previous: Face | None = None
        self.crop: tuple[int, int, int, int] | None = None  # left, top, right, bottom
        self.misses = 0

    def next(self, rgb: np.ndarray) -> Face | None:
        face = self._tracked(rgb) if self.crop is not None else None
        if face is None:
            face = self._start(rgb)
        self.misses = 0 if face is not None else self.misses + 1
        self.previous = face
        return face

    def _tracked(self, rgb: np.ndarray) -> Face | None:
        left, top, right, bottom = self.crop
        crop = np.ascontiguousarray(rgb[top:bottom, left:right])
        with models.lock:
            result = models.face_mesh_video().process(crop)
        if not result.multi_face_landmarks:
            return None
        face = _face_from(result.multi_face_landmarks[0], crop.shape, left, top)
        return face if _well_inside(face.box, self.crop, rgb.shape) else None

    def _start(self, rgb: np.ndarray) -> Face | None:
        self.crop = None
        face = None
        if self.previous is not None:
            face = mesh_in_box(rgb, self.previous.box, scale=1.8)
        if face is None and (self.previous is not None or self.misses % 5 == 0):
            # Lost (or nothing yet): detect again, at most every 5th frame while nothing is found.
            boxes = detect_boxes(rgb)
            if boxes:
                face = mesh_in_box(rgb, boxes[0])
        if face is not None:
            _, (left, top), (right, bottom) = _crop_corners(rgb, face.box, 2.4)
            self.crop = (left, top, right, bottom)
            with models.lock:
                models.face_mesh_video().reset()
        return face


def _crop_corners(rgb: np.ndarray, box, scale: float):
    height, width = rgb.shape[:2]
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0) * scale
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    right, bottom = int(min(width, cx + side / 2)), int(min(height, cy + side / 2))
    return side, (left, top), (right, bottom)


def _well_inside(box, crop, shape) -> bool:
    """A sixth of the face's size from each crop edge (an edge that is the frame's own aside)."""
    x0, y0, x1, y1 = box
    left, top, right, bottom = crop
    height, width = shape[:2]
    margin = max(x1 - x0, y1 - y0) / 6
    return ((left == 0 or x0 - left >= margin) and (top == 0 or y0 - top >= margin)
            and (right == width or right - x1 >= margin)
            and (bottom == height or bottom - y1 >= margin))


def smooth_track(points: list[np.ndarray | None], sigma: float = 1.2) -> list[np.ndarray | None]:
    """Zero-phase Gaussian smoothing of landmarks over time, within each run of found faces."""
    out: list[np.ndarray | None] = list(points)
    index = 0
    while index < len(points):
        if points[index] is None:
            index += 1
            continue
        end = index
        while end < len(points) and points[end] is not None:
            end += 1
        run = np.stack(points[index:end])  # (n, 468, 2)
        if len(run) > 2:
            radius = int(3 * sigma + 0.5)
            kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
            kernel /= kernel.sum()
            padded = np.pad(run, ((radius, radius), (0, 0), (0, 0)), mode="edge")
            smoothed = sum(k * padded[i: i + len(run)] for i, k in enumerate(kernel))
            for offset in range(len(run)):
                out[index + offset] = smoothed[offset].astype(np.float32)
        index = end
    return out
