"""Video mode's analysis, shared by the engines: the source's frames at the output size and rate
(kept in a read-only file mapping) and the tracked, smoothed face mesh of each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from ..base import EngineInputError, EngineRequest
from .encode import check_cancel
from .faces import Face, FaceTracker, smooth_track
from .mask import MASK_NO_FACE, covers_lips
from .plan import Plan
from .speakers import ANALYSIS_SHARE
from .threads import read_ahead

SMOOTH_FRAMES = 5  # network engines' crop boxes are averaged over this many frames


@dataclass
class VideoFaces:
    frames: np.ndarray  # (n, height, width, 3), read-only
    points: list[np.ndarray | None]  # mesh landmarks per frame; None where no face
    warnings: list[str] = field(default_factory=list)

    @property
    def found(self) -> list[np.ndarray]:
        return [points for points in self.points if points is not None]

    def boxes(self, face_box: Callable[[np.ndarray, tuple], tuple | None],
              window: int = SMOOTH_FRAMES) -> tuple[list, list]:
        """(a network engine's crop box per frame, `face_box(points, frame shape)` averaged over
        `window` frames; the face oval's box per frame, for the sync meter); None where no
        face."""
        shape = self.frames.shape[1:]
        crops = [None if p is None else face_box(p, shape) for p in self.points]
        return smooth_boxes(crops, window), [None if p is None else Face(p).box
                                             for p in self.points]


def smooth_boxes(boxes: list, window: int = SMOOTH_FRAMES) -> list:
    """Each box (x0, y0, x1, y1) averaged with its neighbours in a centred window, within runs
    of found faces (None: no face)."""
    out = list(boxes)
    half = window // 2
    start = 0
    while start < len(boxes):
        if boxes[start] is None:
            start += 1
            continue
        end = start
        while end < len(boxes) and boxes[end] is not None:
            end += 1
        run = np.array(boxes[start:end], np.float64)
        for offset in range(len(run)):
            lo, hi = max(0, offset - half), min(len(run), offset + half + 1)
            out[start + offset] = tuple(int(round(v)) for v in run[lo:hi].mean(axis=0))
        start = end
    return out


def video_faces(request: EngineRequest, plan: Plan, mask: np.ndarray | None, needed: int,
                path: Path) -> VideoFaces:
    """The first `needed` output-rate frames of the source, stored in `path`, with their faces.

    The frames go to a file (mapped back read-only when all are there): write() into the page
    cache costs a fraction of a millisecond per 720p frame, where filling a fresh writable
    mapping faults page by page (~7 ms per frame)."""
    with open(path, "wb") as store:
        points = _track_faces(request, plan, needed, store)
    frames = np.memmap(path, np.uint8, "r", shape=(len(points), plan.height, plan.width, 3))
    faces = VideoFaces(frames, smooth_track(points))
    found = faces.found
    if not found:
        faces.warnings.append("No face was found in the video: it plays unchanged with the "
                              "new audio.")
        return faces
    missing = len(faces.points) - len(found)
    if missing:
        faces.warnings.append(f"{missing} of {len(points)} source frames show no face we "
                              "can find: they pass through unchanged.")
    if mask is not None and not any(covers_lips(mask, p) for p in found[::5]):
        raise EngineInputError("formState.mask_image", MASK_NO_FACE, reason="mask_misses_face")
    return faces


def _track_faces(request: EngineRequest, plan: Plan, needed: int, store) -> list:
    share = ANALYSIS_SHARE["video"]
    tracker = FaceTracker()
    points: list[np.ndarray | None] = []
    for rgb in read_ahead(decoded_frames(request.video, plan, needed)):
        index = len(points)
        store.write(np.ascontiguousarray(rgb).data)
        face = tracker.next(rgb)
        points.append(None if face is None else face.points)
        if index % 10 == 0:
            request.report_progress(share * 0.9 * (index + 1) / needed)
            check_cancel(request, None)
    if not points:
        raise EngineInputError("formState.video", "formState.video has no frames we can use.")
    store.flush()
    return points


MAX_SOURCE_FRAMES_PER_OUTPUT_FRAME = 10


def decoded_frames(path: Path, plan: Plan, limit: int) -> Iterator[np.ndarray]:
    """The source's frames at the output rate and size (the latest frame at each output time)."""
    fps = float(plan.fps)
    slot = 0
    previous = None
    first_time = None
    last_time = 0.0
    # A file whose timestamps crowd hours of frames into its probed length would otherwise be
    # decoded in full: stop after this many frames (10 source frames per output frame, 250 fps).
    most_decoded = (limit + 1) * MAX_SOURCE_FRAMES_PER_OUTPUT_FRAME
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for decoded, frame in enumerate(container.decode(stream)):
            if decoded >= most_decoded:
                break
            if frame.time is None:
                continue
            first_time = frame.time if first_time is None else first_time
            moment = frame.time - first_time
            if previous is not None:
                while slot < limit and slot / fps < moment - 1e-4:
                    yield previous
                    slot += 1
            if slot >= limit:
                return
            previous = _picture(frame, plan)
            last_time = moment
        step = 1 / float(stream.average_rate or plan.fps)
        while previous is not None and slot < limit and slot / fps < last_time + step - 1e-4:
            yield previous
            slot += 1


def _picture(frame, plan: Plan) -> np.ndarray:
    turns = int(round((getattr(frame, "rotation", 0) or 0) / 90)) % 4
    width, height = (plan.height, plan.width) if turns % 2 else (plan.width, plan.height)
    rgb = frame.to_ndarray(format="rgb24", width=width, height=height,
                           interpolation="BICUBIC")
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb



