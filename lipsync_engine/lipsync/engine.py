"""The lipsync engine: modes, frames, output. No Django.

Output as every engine's (common/plan.py); video mode: the source plays forward and backward
when the audio is longer, and is cut when shorter. Outside `mask_image` every frame is the
source frame, pixel for pixel before encoding. The same inputs and seed give the same frames.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..base import EngineError, EngineRequest, EngineResult, atomic_output
from ..common import faces as face_model
from ..common import models, sync
from ..common.analysis import Analysed, analysed_with_writer, planned
from ..common.encode import FrameWriter, check_cancel
from ..common.faces import Face
from ..common.mask import covers_lips
from ..common.ordered import OrderedWorker
from ..common.pcm import SAMPLE_RATE, decode_pcm, envelope_per_frame
from ..common.plan import still_frame
from ..common.result import closed_with_report, elapsed_ms, engine_result
from ..common.speakers import (
    ANALYSIS_SHARE,
    multi_offsets,
    placed,
    span,
    speaking_faces,
)
from ..common.threads import Background
from ..common.video import video_faces
from . import audio as audio_model
from . import warp
from .donor import DonorBank, lay_donor
from .idle import HeadField, IdleTrack, idle_track
from .mouth import (
    Shape,
    blink_displacements,
    face_triangles,
    lip_displacements,
    skin_weights,
)
from .render import FaceRig, build_rig, paint_mouth, triangle_map
from .retarget import Neutral, find_neutral, neutralised


@dataclass
class Speaker:
    """One animated face: where it is, how it looks, what drives it."""

    rig: FaceRig
    track: audio_model.MouthTrack
    idle: IdleTrack | None = None
    head: HeadField | None = None
    active: np.ndarray | None = None  # frames where its own audio plays (multi)
    envelope: np.ndarray | None = None


@dataclass
class Prepared(Analysed):
    """Everything analysed; `frames()` yields (source frame, rendered frame) pairs."""

    speakers: list[Speaker] = field(default_factory=list)
    video_points: list[np.ndarray | None] = field(default_factory=list)
    video_triangles: np.ndarray | None = None
    video_skin: np.ndarray | None = None
    video_rigs: dict = field(default_factory=dict)  # source frame index -> FaceRig
    neutral: Neutral | None = None  # video: the speaker's closed mouth, found in the footage
    donors: DonorBank | None = None  # video: source frames whose mouth pixels are laid in
    grid: dict = field(default_factory=dict)  # image modes: pixel coordinates by box

    def frames(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if self.donors is not None:
            self.donors.reset()
        for index in range(self.frame_count):
            source, source_index = self.source_frame(index)
            if self.image is not None:
                rendered = _render_image_frame(self, index)
            else:
                rendered = _render_video_frame(self, index, source, source_index)
            if self.mask is not None:
                rendered = np.where(self.mask[..., None], rendered, source)
            yield source, rendered


class LipsyncEngine:
    name = "lipsync"

    def warm_up(self) -> None:
        """Load the face models and the phone decoder (a worker calls this when it starts)."""
        models.warm_up()

    def render(self, request: EngineRequest) -> EngineResult:
        _one_opencv_thread()
        timings: dict[str, int] = {}
        request.report_progress(0.0)
        request.check_cancelled()
        out_path = request.out_path
        with atomic_output(out_path, ".lipsync-") as (work, partial):
            started = time.perf_counter()
            prepared, writer = analysed_with_writer(
                request, partial, lambda on_plan: prepare(request, work, on_plan=on_plan))
            timings["analysis"] = elapsed_ms(started)
            report, render_ms, encode_ms = _write(prepared, partial, writer)
            timings["render"], timings["encode"] = render_ms, encode_ms
        request.report_progress(1.0)
        return engine_result(request, prepared.plan, prepared.warnings, report, timings,
                             self.name)


def _one_opencv_thread() -> None:
    """The engine keeps its own threads busy (decoding, rendering, measuring and piping), and
    OpenCV's pool on top of them only adds hand-offs: one thread cut ~10 % of a 720p video job's
    CPU on 2 cores (measured with bench/engine.py). Process-wide; a worker runs one engine."""
    cv2.setNumThreads(1)


def prepare(request: EngineRequest, work: Path, on_plan=None) -> Prepared:
    """Probe the inputs, decode the audio, find the faces: everything but the frames.

    `on_plan(plan)`, when given, is called as soon as the output's size, rate and length are known.
    """
    prepared = Prepared(request, *planned(request, on_plan))
    if request.mode == "video":
        _prepare_video(prepared, work)
    else:
        _prepare_image(prepared, work)
    return prepared


def _rng(request: EngineRequest) -> np.random.Generator:
    seed = request.seed if request.seed is not None else int.from_bytes(os.urandom(4), "little")
    return np.random.default_rng(seed & 0xFFFFFFFF)


def _track(path: Path, fps: float) -> tuple[audio_model.MouthTrack, np.ndarray]:
    pcm = decode_pcm(path)
    frames = max(1, round(len(pcm) / SAMPLE_RATE * fps))
    return audio_model.mouth_track(pcm, fps, frames), envelope_per_frame(pcm, fps, frames)


def _prepare_image(prepared: Prepared, work: Path) -> None:
    request, plan = prepared.request, prepared.plan
    fps = float(plan.fps)
    paths = [request.audio] if request.mode == "image" else [request.left_audio,
                                                              request.right_audio]
    tracks = Background(lambda: [_track(path, fps) for path in paths])
    try:
        image = still_frame(request.image, plan)
        prepared.image = image
        _prepare_image_faces(prepared, image, tracks)
    finally:
        tracks.wait()


def _prepare_image_faces(prepared: Prepared, image: np.ndarray, tracks: Background) -> None:
    request, plan = prepared.request, prepared.plan
    fps, frames = float(plan.fps), prepared.frame_count
    found = speaking_faces(image, request.mode, prepared.mask)
    rng = _rng(request)
    if request.mode == "image":
        [(track, envelope)] = tracks.result()
        timelines = [(track.placed(0, frames), placed(envelope, 0, frames))]
        actives = [np.ones(frames, bool)]
    else:
        [(left, left_env), (right, right_env)] = tracks.result()
        offsets = multi_offsets(request.order, left.frames, right.frames)
        timelines = [(left.placed(offsets[0], frames), placed(left_env, offsets[0], frames)),
                     (right.placed(offsets[1], frames), placed(right_env, offsets[1], frames))]
        actives = [span(offsets[0], left.frames, frames), span(offsets[1], right.frames, frames)]
    skipped = 0
    for slot, (face, (track, envelope), active) in enumerate(
            zip(found, timelines, actives, strict=False)):
        if not covers_lips(prepared.mask, face.points):
            skipped += 1
            continue
        face_rng = np.random.default_rng(rng.integers(0, 2 ** 32))
        rig = build_rig(image, face.points)
        chin_y = float(face.points[face_model.CHIN, 1])
        prepared.speakers.append(Speaker(
            rig=rig, track=track, idle=idle_track(face_rng, frames, fps, track.level),
            head=HeadField(image.shape, face.box, chin_y), active=active,
            envelope=envelope))
        if not track.from_phones:
            prepared.warnings.append(_fallback_warning(request, slot))
    if skipped:
        prepared.warnings.append("mask_image leaves one face out: it stays still.")


def _fallback_warning(request: EngineRequest, slot: int) -> str:
    name = "audio" if request.mode != "multi" else ("left_audio", "right_audio")[slot]
    return (f"{name}: little speech was recognised, so the mouth follows the loudness only.")


def _shape(track: audio_model.MouthTrack, index: int) -> Shape:
    if index >= track.frames:
        return Shape()
    return Shape(float(track.open[index]), float(track.round[index]),
                 float(track.spread[index]), float(track.press[index]), float(track.fv[index]))


def _render_image_frame(prepared: Prepared, index: int) -> np.ndarray:
    image = prepared.image
    if not prepared.speakers:
        return image.copy()
    moves = []
    for speaker in prepared.speakers:
        idle, head = speaker.idle, speaker.head
        angle, shift, breath = float(idle.angle[index]), idle.shift[index], float(
            idle.breath[index])
        hx, hy = head.displacement(angle, shift, breath)
        moved = head.move_points(speaker.rig.points, angle, shift, breath)
        delta = lip_displacements(moved, _shape(speaker.track, index), speaker.rig.skin)
        delta += blink_displacements(moved, float(idle.blink[index]))
        target = moved + delta
        found = triangle_map(speaker.rig, moved, target, image.shape)
        moves.append((speaker, (hx, hy), target, found))
    # Outside every head box nothing moves (the map is the identity there, and remap returns
    # the source pixel), so heads far apart (multi) are warped each in its own box: the same
    # pixels as one warp over the box around both, without the still background between them.
    if len(moves) > 1 and _separable(moves):
        groups = [[move] for move in moves]
        out = image.copy()
    else:
        groups = [moves]
        out = _outside(image, _union_box([speaker.head.box for speaker, *_ in moves]))
    shifts = []
    for group in groups:
        shifts.extend(_warp_heads(prepared, out, group))
    for (speaker, _field, target, _found), head_shift in zip(moves, shifts, strict=True):
        paint_mouth(out, image, speaker.rig, target, head_shift)
    return out


def _union_box(boxes) -> tuple[int, int, int, int]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _outside(image: np.ndarray, box) -> np.ndarray:
    """A new frame holding the source outside `box` (the warp fills the box: no full copy)."""
    x0, y0, x1, y1 = box
    out = np.empty_like(image)
    out[:y0], out[y1:] = image[:y0], image[y1:]
    out[y0:y1, :x0], out[y0:y1, x1:] = image[y0:y1, :x0], image[y0:y1, x1:]
    return out


def _mouth_center(target: np.ndarray) -> np.ndarray:
    return np.round(target[[13, 14]].mean(axis=0)).astype(int)


def _inside(inner, outer) -> bool:
    return (inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2]
            and inner[3] <= outer[3])


def _separable(moves) -> bool:
    """Head boxes apart, and each face's warped triangles and mouth inside its own box."""
    boxes = [speaker.head.box for speaker, *_ in moves]
    for first, a in enumerate(boxes):
        for b in boxes[first + 1:]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                return False
    for (_speaker, _field, target, found), box in zip(moves, boxes, strict=True):
        if found is not None and not _inside(found[0], box):
            return False
        cx, cy = _mouth_center(target)
        if not (box[0] <= cx < box[2] and box[1] <= cy < box[3]):
            return False
    return True


def _warp_heads(prepared: Prepared, out: np.ndarray, moves) -> list[np.ndarray]:
    """Warp the box around these heads into `out`; each head's backward shift at its mouth."""
    image = prepared.image
    x0, y0, x1, y1 = _union_box([speaker.head.box for speaker, *_ in moves])
    xs, ys = _grid(prepared, (x0, y0, x1, y1))
    map_x, map_y = _head_maps(moves, (x0, y0, x1, y1))
    # The shifts are read before the grid is added: (dx, dy) at each mouth.
    shifts = []
    for _speaker, _field, target, _found in moves:
        cx, cy = _mouth_center(target)
        cy = int(np.clip(cy - y0, 0, y1 - y0 - 1))
        cx = int(np.clip(cx - x0, 0, x1 - x0 - 1))
        shifts.append(np.array([map_x[cy, cx], map_y[cy, cx]]))
    # In place (no full-box temporaries: the box is most of a portrait frame).
    np.add(map_x, xs, out=map_x)
    np.add(map_y, ys, out=map_y)
    for _speaker, _field, _target, found in moves:
        if found is not None:
            _lay_triangle_map(found, map_x, map_y, xs, ys, (x0, y0, x1, y1))
    # Straight into the frame (its rows are contiguous, the box need not span its width).
    warp.remap_into(image, map_x, map_y, out[y0:y1, x0:x1])
    return shifts


def _grid(prepared: Prepared, box) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates over `box`, made once per box."""
    grid = prepared.grid.get(box)
    if grid is None:
        x0, y0, x1, y1 = box
        grid = prepared.grid[box] = tuple(np.mgrid[y0:y1, x0:x1].astype(np.float32))[::-1]
    return grid


def _head_maps(moves, box) -> tuple[np.ndarray, np.ndarray]:
    """The heads' backward displacement (dx, dy) over `box` (one head: its own field as is)."""
    x0, y0, x1, y1 = box
    fields = [(speaker.head.box, field) for speaker, field, *_ in moves]
    if len(fields) == 1 and fields[0][0] == box:
        dx, dy = fields[0][1]
        return dx, dy
    dx = np.zeros((y1 - y0, x1 - x0), np.float32)
    dy = np.zeros_like(dx)
    for (bx0, by0, bx1, by1), (hx, hy) in fields:
        dx[by0 - y0: by1 - y0, bx0 - x0: bx1 - x0] += hx
        dy[by0 - y0: by1 - y0, bx0 - x0: bx1 - x0] += hy
    return dx, dy


def _lay_triangle_map(found, map_x, map_y, xs, ys, box) -> None:
    """Where the lips and jaw move, the triangle map replaces the identity (head motion kept)."""
    x0, y0, x1, y1 = box
    (tx0, ty0, tx1, ty1), tri_x, tri_y = found
    tx0, ty0, tx1, ty1 = max(tx0, x0), max(ty0, y0), min(tx1, x1), min(ty1, y1)
    if tx1 <= tx0 or ty1 <= ty0:
        return
    fx0, fy0 = tx0 - found[0][0], ty0 - found[0][1]
    region = (slice(ty0 - y0, ty1 - y0), slice(tx0 - x0, tx1 - x0))
    tri_x = tri_x[fy0: fy0 + ty1 - ty0, fx0: fx0 + tx1 - tx0]
    tri_y = tri_y[fy0: fy0 + ty1 - ty0, fx0: fx0 + tx1 - tx0]
    # map = grid + head field here; the triangle map takes the grid's place.
    map_x[region] += tri_x - xs[region]
    map_y[region] += tri_y - ys[region]


# --- video ------------------------------------------------------------------------------------


def _prepare_video(prepared: Prepared, work: Path) -> None:
    request, plan = prepared.request, prepared.plan
    fps = float(plan.fps)
    needed = min(prepared.frame_count, math.ceil(plan.source_duration_s * fps) + 1)
    audio_track = Background(lambda: _track(request.audio, fps))
    try:
        faces = video_faces(request, plan, prepared.mask, needed, work / "frames.raw")
    finally:
        audio_track.wait()
    prepared.video_frames, prepared.video_points = faces.frames, faces.points
    prepared.warnings.extend(faces.warnings)
    if faces.found:
        prepared.video_triangles = face_triangles(faces.found[0])
        prepared.video_skin = skin_weights(faces.found[0])
        prepared.neutral = neutral = find_neutral(faces.points)
        prepared.donors = DonorBank(faces.frames, faces.points, neutral, prepared.video_skin)
    track, envelope = audio_track.result()
    prepared.speakers.append(Speaker(rig=None, track=track.placed(0, prepared.frame_count),
                                     active=np.ones(prepared.frame_count, bool),
                                     envelope=placed(envelope, 0, prepared.frame_count)))
    if not track.from_phones:
        prepared.warnings.append(_fallback_warning(request, 0))


def _render_video_frame(prepared: Prepared, index: int, source: np.ndarray,
                        source_index: int) -> np.ndarray:
    points = prepared.video_points[source_index]
    if points is None:
        return np.array(source)
    source = np.asarray(source)
    speaker = prepared.speakers[0]
    rig = prepared.video_rigs.get(source_index)
    if rig is None:  # the source plays back and forth: each frame's rig is built once
        rig = prepared.video_rigs[source_index] = build_rig(
            source, points, prepared.video_triangles, prepared.video_skin)
    # Retarget: the source's own mouth motion is taken out (lips to the speaker's closed
    # mouth), then the new audio opens that mouth.
    base = points if prepared.neutral is None else neutralised(points, prepared.neutral,
                                                                rig.skin)
    target = base + lip_displacements(base, _shape(speaker.track, index), rig.skin)
    out = source.copy()
    found = triangle_map(rig, points, target, source.shape)
    if found is not None:
        (x0, y0, x1, y1), map_x, map_y = found
        out[y0:y1, x0:x1] = warp.remap(source, map_x, map_y)
    if prepared.donors is None:
        paint_mouth(out, source, rig, target, np.zeros(2, np.float32))
        return out
    for donor, opacity in prepared.donors.layers(target, points):
        shift = lay_donor(out, donor, target, opacity)
        if not donor.lends_inside(target):  # painted, with the donor's teeth where it shows any
            paint_mouth(out, donor.frame, donor.painter, target, shift)
    return out


# --- writing and the sync check ---------------------------------------------------------------


def _write(prepared: Prepared, target: Path, writer: FrameWriter | None = None
           ) -> tuple[dict, int, int]:
    """Render here; measure (sync check) and pipe into ffmpeg on a second thread.

    The face mesh and the pipe write spend their time in C++ and in the kernel with the GIL
    released, so the next frame renders meanwhile. One consumer in frame order: the sync values
    and the encoded frames are exactly those of a serial loop.
    """
    request, plan = prepared.request, prepared.plan
    share = ANALYSIS_SHARE[request.mode]
    if writer is None:
        writer = FrameWriter(request, target, plan.width, plan.height, plan.fps, plan.duration_s)
    try:
        meters = _meters(prepared)
        consumer = _consumer(writer, [meter for meter, _ in meters])
    except BaseException:
        writer.abort()
        raise
    started = time.perf_counter()
    try:
        for index, (_source, frame) in enumerate(prepared.frames()):
            places = [_STAY if locate is None else locate(index) for _meter, locate in meters]
            consumer.put(frame, places)
            if index % 10 == 0:
                request.report_progress(share + (0.97 - share) * index / prepared.frame_count)
                check_cancel(request, writer)
        consumer.finish()
    except BaseException:
        consumer.stop()
        writer.abort()
        consumer.join()
        raise
    return closed_with_report(writer, started, [meter for meter, _ in meters],
                              prepared.speakers, request.mode, float(plan.fps))


def _consumer(writer: FrameWriter, meters: list[sync.LipMeter]) -> OrderedWorker:
    """A thread that runs the sync meters on each rendered frame, then pipes it to ffmpeg."""

    def handle(frame: np.ndarray, places: list) -> None:
        for meter, place in zip(meters, places, strict=True):
            if place is not _STAY:
                meter.box = place
            meter.measure(frame)
        writer.write(frame)

    return OrderedWorker(handle, "lipsync-writer")


_STAY = object()  # the face did not move: the meter keeps its crop


def _meters(prepared: Prepared) -> list:
    """(meter, locate) per face: the lips re-found on the output pixels (sync.LipMeter, every
    JOB_STEP-th frame); locate(index) gives the face's box in that frame (None: no face)."""
    if prepared.image is not None:
        return [(sync.LipMeter(slot, Face(speaker.rig.points).box, sync.JOB_STEP), None)
                for slot, speaker in enumerate(prepared.speakers)]
    known = [index for index, points in enumerate(prepared.video_points) if points is not None]
    if not known:
        return []

    boxes = [None if points is None else Face(points).box for points in prepared.video_points]

    def locate(index: int):
        return boxes[prepared.source_index(index)]

    return [(sync.LipMeter(0, Face(prepared.video_points[known[0]]).box, sync.JOB_STEP),
             locate)]


def render_frames(request: EngineRequest, work: Path) -> Prepared:
    """For tests and tools: analyse a request; iterate `.frames()` for (source, rendered)."""
    if request.mode not in ("video", "image", "multi"):
        raise EngineError(f"unknown mode {request.mode!r}")
    return prepare(request, work)


__all__ = ["LipsyncEngine", "Prepared", "models", "prepare", "render_frames"]
