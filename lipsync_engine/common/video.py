"""Video mode's analysis, shared by the engines: the source's frames at the output size and rate
(kept as I420 in a read-only file mapping, `StoredFrames`) and the tracked, smoothed face mesh of
each.

Why I420 and not RGB: the source is decoded as YUV 4:2:0 anyway, and its planes are scaled to the
output size with OpenCV and kept as they are (1.5 bytes a pixel, half of RGB's 3). Asking PyAV's
swscale for bicubic-scaled RGB cost ~14 ms of CPU a 720p frame, and writing the RGB frames into
the page cache 1-4 ms more; decoding, scaling the planes, storing them and turning a frame into
RGB when it is used costs ~3 ms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from ..base import EngineInputError, EngineRequest
from .encode import check_cancel
from .faces import Face, FaceTracker, smooth_track
from .mask import MASK_NO_FACE, covers_lips
from .plan import Plan
from .speakers import ANALYSIS_SHARE
from .threads import read_ahead

SMOOTH_FRAMES = 5  # network engines' crop boxes are averaged over this many frames


class StoredFrames:
    """The source's frames, stored as I420 in a file; `frames[i]` is frame i in RGB (a new array,
    converted on each access), `len(frames)` their count, `frames.shape` (n, height, width, 3)."""

    def __init__(self, path: Path, count: int, height: int, width: int) -> None:
        mapped = np.memmap(path, np.uint8, "r", shape=(count, height * 3 // 2, width))
        self._planes = mapped.view(np.ndarray)  # indexing a plain array skips memmap's bookkeeping
        self.shape = (count, height, width, 3)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index: int) -> np.ndarray:
        return rgb_of(self._planes[index])


def rgb_of(i420: np.ndarray) -> np.ndarray:
    """An I420 picture ((height * 3/2, width): Y, then U and V at half size) as RGB, BT.601 video
    range as ffmpeg reads H.264 by default."""
    return cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)


@dataclass
class VideoFaces:
    frames: StoredFrames  # (n, height, width, 3) in RGB when indexed
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

    The frames go to a file as I420 (mapped back read-only when all are there): write() into the
    page cache costs a fraction of a millisecond per 720p frame, where filling a fresh writable
    mapping faults page by page (~7 ms per frame)."""
    with open(path, "wb") as store:
        points = _track_faces(request, plan, needed, store)
    frames = StoredFrames(path, len(points), plan.height, plan.width)
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
    # The RGB conversion runs on the decoding thread too (OpenCV and PyAV release the GIL).
    pictures = ((i420, rgb_of(i420)) for i420 in decoded_frames(request.video, plan, needed))
    for i420, rgb in read_ahead(pictures):
        index = len(points)
        store.write(np.ascontiguousarray(i420).data)
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
    """The source's frames at the output rate and size (the latest frame at each output time), as
    I420 arrays of (height * 3/2, width): `rgb_of` turns one into RGB."""
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
    """One decoded frame as I420 at the output size. The usual source (upright, yuv420p, even
    sides) has its planes scaled by OpenCV; any other goes through swscale to RGB first."""
    turns = int(round((getattr(frame, "rotation", 0) or 0) / 90)) % 4
    if (turns == 0 and frame.format.name == "yuv420p" and frame.width % 2 == 0
            and frame.height % 2 == 0):
        return i420_resized(frame.to_ndarray(), plan.width, plan.height)
    return cv2.cvtColor(_rgb_picture(frame, plan, turns), cv2.COLOR_RGB2YUV_I420)


def i420_resized(i420: np.ndarray, width: int, height: int) -> np.ndarray:
    """An I420 picture scaled to width x height (both even), plane by plane (bicubic)."""
    rows, columns = i420.shape[0] * 2 // 3, i420.shape[1]
    if (columns, rows) == (width, height):
        return i420
    quarter = rows * columns // 4
    flat = i420.reshape(-1)
    luma = i420[:rows]
    blue = flat[rows * columns: rows * columns + quarter].reshape(rows // 2, columns // 2)
    red = flat[rows * columns + quarter:].reshape(rows // 2, columns // 2)
    planes = [cv2.resize(luma, (width, height), interpolation=cv2.INTER_CUBIC)]
    planes += [cv2.resize(chroma, (width // 2, height // 2), interpolation=cv2.INTER_CUBIC)
               for chroma in (blue, red)]
    return np.concatenate([plane.reshape(-1) for plane in planes]).reshape(height * 3 // 2,
                                                                             width)


def _rgb_picture(frame, plan: Plan, turns: int) -> np.ndarray:
    width, height = (plan.height, plan.width) if turns % 2 else (plan.width, plan.height)
    rgb = frame.to_ndarray(format="rgb24", width=width, height=height,
                           interpolation="BICUBIC")
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb



