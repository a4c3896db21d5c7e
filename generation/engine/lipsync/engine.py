"""The lipsync engine: modes, frames, output. No Django.

Output (the same as the still engine's): H.264 yuv420p + AAC, faststart, height 480 or 720, even
width keeping the aspect ratio, 25 fps for image modes and the source rate (at most 30) for video;
length = the audio's (video mode: the source plays forward and backward when the audio is longer,
and is cut when shorter). Outside `mask_image` every frame is the source frame, pixel for pixel
before encoding. The same inputs and seed give the same frames.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps

from .. import still
from ..base import EngineError, EngineInputError, EngineRequest, EngineResult
from . import audio as audio_model
from . import faces as face_model
from . import models, sync, warp
from .encode import FrameWriter, check_cancel
from .idle import HeadField, IdleTrack, idle_track
from .mouth import (
    Shape,
    blink_displacements,
    face_triangles,
    lip_displacements,
    skin_weights,
)
from .render import FaceRig, build_rig, paint_mouth, triangle_map

NO_FACE = ("formState.image has no face we can find; use a portrait where the face is clearly "
           "visible.")
FEWER_THAN_TWO = ("formState.image shows fewer than two faces we can find; use a picture where "
                  "both faces are clearly visible.")
MASK_NO_FACE = ("formState.mask_image covers no face; paint white over the face that should "
                "speak.")
_ANALYSIS_SHARE = {"video": 0.35, "image": 0.05, "multi": 0.08}


@dataclass
class Speaker:
    """One animated face: where it is, how it looks, what drives it."""

    rig: FaceRig
    track: audio_model.MouthTrack
    idle: IdleTrack | None = None
    head: HeadField | None = None
    meter_slot: int = 0
    active: np.ndarray | None = None  # frames where its own audio plays (multi)
    envelope: np.ndarray | None = None


@dataclass
class Prepared:
    """Everything analysed; `frames()` yields (source frame, rendered frame) pairs."""

    request: EngineRequest
    plan: still._Plan
    frame_count: int
    mask: np.ndarray | None
    speakers: list[Speaker] = field(default_factory=list)
    image: np.ndarray | None = None  # image modes
    video_frames: np.ndarray | None = None  # video mode: (n, h, w, 3)
    video_points: list[np.ndarray | None] = field(default_factory=list)
    video_triangles: np.ndarray | None = None
    video_skin: np.ndarray | None = None
    grid: tuple | None = None  # image modes: pixel coordinates of the moving region
    warnings: list[str] = field(default_factory=list)

    def source_frame(self, index: int) -> tuple[np.ndarray, int]:
        if self.image is not None:
            return self.image, 0
        count = len(self.video_frames)
        if count == 1:
            return self.video_frames[0], 0
        period = 2 * count - 2
        position = index % period
        source = position if position < count else period - position
        return self.video_frames[source], source

    def frames(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
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

    def render(self, request: EngineRequest) -> EngineResult:
        timings: dict[str, int] = {}
        request.report_progress(0.0)
        request.check_cancelled()
        out_path = request.out_path
        out_path.parent.mkdir(parents=True, exist_ok=True)
        partial = out_path.with_name(out_path.name + ".partial")
        with tempfile.TemporaryDirectory(prefix=".lipsync-", dir=out_path.parent) as work_dir:
            try:
                started = time.perf_counter()
                prepared = prepare(request, Path(work_dir))
                timings["analysis"] = _ms(started)
                request.check_cancelled()
                report, render_ms, encode_ms = _write(prepared, partial)
                timings["render"], timings["encode"] = render_ms, encode_ms
                os.replace(partial, out_path)
            finally:
                partial.unlink(missing_ok=True)
        request.report_progress(1.0)
        plan = prepared.plan
        warnings = list(prepared.warnings)
        warning = sync.warning_for(report, float(plan.fps))
        if warning:
            warnings.append(warning)
        if request.prompt.strip():
            warnings.append("prompt was accepted but is not used by this engine (lipsync).")
        return EngineResult(
            output_path=out_path,
            duration_s=still._measured_duration(out_path, plan.duration_s),
            width=plan.width, height=plan.height, fps=float(plan.fps),
            timings=timings, warnings=warnings, sync=report,
        )


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def prepare(request: EngineRequest, work: Path) -> Prepared:
    """Probe the inputs, decode the audio, find the faces: everything but the frames."""
    plan = still._analyse(request)
    frame_count = max(1, round(plan.duration_s * float(plan.fps)))
    mask = _load_mask(request.mask_image, plan) if request.mask_image is not None else None
    prepared = Prepared(request, plan, frame_count, mask)
    if request.mode == "video":
        _prepare_video(prepared, work)
    else:
        _prepare_image(prepared, work)
    return prepared


def _load_mask(path: Path, plan: still._Plan) -> np.ndarray:
    """White/opaque = may change. Scaled to the frame (nearest: a pixel is in or out)."""
    with Image.open(path) as source:
        upright = ImageOps.exif_transpose(source)
        if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
            rgba = upright.convert("RGBA")
            flat = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
            flat.alpha_composite(rgba)
            upright = flat
        grey = upright.convert("L").resize((plan.width, plan.height), Image.Resampling.NEAREST)
    return np.asarray(grey) >= 128


def _covered(mask: np.ndarray | None, points: np.ndarray) -> bool:
    if mask is None:
        return True
    lips = np.round(points[list(face_model.LIPS_OUTER_UPPER + face_model.LIPS_OUTER_LOWER)])
    height, width = mask.shape
    xs = np.clip(lips[:, 0].astype(int), 0, width - 1)
    ys = np.clip(lips[:, 1].astype(int), 0, height - 1)
    return bool(mask[ys, xs].mean() >= 0.5)


def _rng(request: EngineRequest) -> np.random.Generator:
    seed = request.seed if request.seed is not None else int.from_bytes(os.urandom(4), "little")
    return np.random.default_rng(seed & 0xFFFFFFFF)


def _track(path: Path, fps: float) -> tuple[audio_model.MouthTrack, np.ndarray]:
    pcm = audio_model.decode_pcm(path)
    frames = max(1, round(len(pcm) / audio_model.SAMPLE_RATE * fps))
    return audio_model.mouth_track(pcm, fps, frames), audio_model.envelope_per_frame(
        pcm, fps, frames)


def _prepare_image(prepared: Prepared, work: Path) -> None:
    request, plan = prepared.request, prepared.plan
    frame_path = still._prepare_still(request.image, plan, work / "frame.png")
    with Image.open(frame_path) as picture:
        image = np.array(picture.convert("RGB"))
    prepared.image = image
    fps, frames = float(plan.fps), prepared.frame_count
    found = face_model.find_faces(image, limit=2 if request.mode == "multi" else 1)
    if request.mode == "image" and not found:
        raise EngineInputError("formState.image", NO_FACE)
    if request.mode == "multi" and len(found) < 2:
        raise EngineInputError("formState.image", FEWER_THAN_TWO)
    found = sorted(found[:2], key=lambda face: float(face.center[0]))  # left, right
    if not any(_covered(prepared.mask, face.points) for face in found):
        raise EngineInputError("formState.mask_image", MASK_NO_FACE)
    rng = _rng(request)
    if request.mode == "image":
        track, envelope = _track(request.audio, fps)
        placed = [(track.placed(0, frames), _placed(envelope, 0, frames))]
        actives = [np.ones(frames, bool)]
    else:
        left, left_env = _track(request.left_audio, fps)
        right, right_env = _track(request.right_audio, fps)
        offsets = {"meanwhile": (0, 0), "left_right": (0, left.frames),
                   "right_left": (right.frames, 0)}[request.order]
        placed = [(left.placed(offsets[0], frames), _placed(left_env, offsets[0], frames)),
                  (right.placed(offsets[1], frames), _placed(right_env, offsets[1], frames))]
        actives = [_span(offsets[0], left.frames, frames), _span(offsets[1], right.frames, frames)]
    skipped = 0
    for slot, (face, (track, envelope), active) in enumerate(
            zip(found, placed, actives, strict=False)):
        if not _covered(prepared.mask, face.points):
            skipped += 1
            continue
        face_rng = np.random.default_rng(rng.integers(0, 2 ** 32))
        rig = build_rig(image, face.points)
        chin_y = float(face.points[face_model.CHIN, 1])
        prepared.speakers.append(Speaker(
            rig=rig, track=track, idle=idle_track(face_rng, frames, fps, track.level),
            head=HeadField(image.shape, face.box, chin_y), meter_slot=slot, active=active,
            envelope=envelope))
        if not track.from_phones:
            prepared.warnings.append(_fallback_warning(request, slot))
    if skipped:
        prepared.warnings.append("mask_image leaves one face out: it stays still.")


def _fallback_warning(request: EngineRequest, slot: int) -> str:
    name = "audio" if request.mode != "multi" else ("left_audio", "right_audio")[slot]
    return (f"{name}: little speech was recognised, so the mouth follows the loudness only.")


def _placed(values: np.ndarray, offset: int, frames: int) -> np.ndarray:
    out = np.full(frames, float(values.min()) if len(values) else -100.0, np.float32)
    end = min(frames, offset + len(values))
    if end > offset:
        out[offset:end] = values[: end - offset]
    return out


def _span(offset: int, length: int, frames: int) -> np.ndarray:
    active = np.zeros(frames, bool)
    active[offset: min(frames, offset + length)] = True
    return active


def _shape(track: audio_model.MouthTrack, index: int) -> Shape:
    if index >= track.frames:
        return Shape()
    return Shape(float(track.open[index]), float(track.round[index]),
                 float(track.spread[index]), float(track.press[index]), float(track.fv[index]))


def _render_image_frame(prepared: Prepared, index: int) -> np.ndarray:
    image = prepared.image
    out = image.copy()
    if not prepared.speakers:
        return out
    boxes = [speaker.head.box for speaker in prepared.speakers]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    if prepared.grid is None or prepared.grid[0].shape != (y1 - y0, x1 - x0):
        prepared.grid = tuple(np.mgrid[y0:y1, x0:x1].astype(np.float32))
    ys, xs = prepared.grid
    dx, dy = np.zeros_like(xs), np.zeros_like(ys)
    moves = []
    for speaker in prepared.speakers:
        idle, head = speaker.idle, speaker.head
        angle, shift, breath = float(idle.angle[index]), idle.shift[index], float(
            idle.breath[index])
        hx, hy = head.displacement(angle, shift, breath)
        bx0, by0, bx1, by1 = head.box
        dx[by0 - y0: by1 - y0, bx0 - x0: bx1 - x0] += hx
        dy[by0 - y0: by1 - y0, bx0 - x0: bx1 - x0] += hy
        moved = head.move_points(speaker.rig.points, angle, shift, breath)
        delta = lip_displacements(moved, _shape(speaker.track, index), speaker.rig.skin)
        delta += blink_displacements(moved, float(idle.blink[index]))
        moves.append((speaker, moved, moved + delta))
    map_x, map_y = xs + dx, ys + dy
    for speaker, moved, target in moves:
        found = triangle_map(speaker.rig, moved, target, image.shape)
        if found is None:
            continue
        (tx0, ty0, tx1, ty1), tri_x, tri_y = found
        tx0, ty0, tx1, ty1 = max(tx0, x0), max(ty0, y0), min(tx1, x1), min(ty1, y1)
        fx0, fy0 = tx0 - found[0][0], ty0 - found[0][1]
        region = (slice(ty0 - y0, ty1 - y0), slice(tx0 - x0, tx1 - x0))
        tri_x = tri_x[fy0: fy0 + ty1 - ty0, fx0: fx0 + tx1 - tx0]
        tri_y = tri_y[fy0: fy0 + ty1 - ty0, fx0: fx0 + tx1 - tx0]
        map_x[region] = tri_x + dx[region]
        map_y[region] = tri_y + dy[region]
    out[y0:y1, x0:x1] = warp.remap(image, map_x, map_y)
    for speaker, _moved, target in moves:
        center = np.round(target[[13, 14]].mean(axis=0)).astype(int)
        cy = int(np.clip(center[1] - y0, 0, y1 - y0 - 1))
        cx = int(np.clip(center[0] - x0, 0, x1 - x0 - 1))
        paint_mouth(out, image, speaker.rig, target, np.array([dx[cy, cx], dy[cy, cx]]))
    return out


# --- video ------------------------------------------------------------------------------------


def _prepare_video(prepared: Prepared, work: Path) -> None:
    request, plan = prepared.request, prepared.plan
    fps = float(plan.fps)
    share = _ANALYSIS_SHARE["video"]
    needed = min(prepared.frame_count, math.ceil(plan.source_duration_s * fps) + 1)
    store = np.lib.format.open_memmap(work / "frames.npy", mode="w+", dtype=np.uint8,
                                      shape=(needed, plan.height, plan.width, 3))
    tracker = face_model.FaceTracker()
    points: list[np.ndarray | None] = []

    def keep(rgb: np.ndarray) -> None:
        index = len(points)
        store[index] = rgb
        face = tracker.next(rgb)
        points.append(None if face is None else face.points)
        if index % 10 == 0:
            request.report_progress(share * 0.9 * (index + 1) / needed)
            check_cancel(request, None)

    for rgb in _decoded_frames(request.video, plan, needed):
        keep(rgb)
    if not points:
        raise EngineInputError("formState.video", "formState.video has no frames we can use.")
    prepared.video_frames = store[: len(points)]
    prepared.video_points = face_model.smooth_track(points)
    found = [p for p in prepared.video_points if p is not None]
    if not found:
        prepared.warnings.append("No face was found in the video: it plays unchanged with the "
                                 "new audio.")
    else:
        missing = sum(p is None for p in prepared.video_points)
        if missing:
            prepared.warnings.append(f"{missing} of {len(points)} source frames show no face we "
                                     "can find: they pass through unchanged.")
        if prepared.mask is not None and not any(_covered(prepared.mask, p) for p in found[::5]):
            raise EngineInputError("formState.mask_image", MASK_NO_FACE)
        prepared.video_triangles = face_triangles(found[0])
        prepared.video_skin = skin_weights(found[0])
    track, envelope = _track(request.audio, fps)
    prepared.speakers.append(Speaker(rig=None, track=track.placed(0, prepared.frame_count),
                                     active=np.ones(prepared.frame_count, bool),
                                     envelope=_placed(envelope, 0, prepared.frame_count)))
    if not track.from_phones:
        prepared.warnings.append(_fallback_warning(request, 0))


def _decoded_frames(path: Path, plan: still._Plan, limit: int) -> Iterator[np.ndarray]:
    """The source's frames at the output rate and size (the latest frame at each output time)."""
    fps = float(plan.fps)
    slot = 0
    previous = None
    first_time = None
    last_time = 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
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


def _picture(frame, plan: still._Plan) -> np.ndarray:
    turns = int(round((getattr(frame, "rotation", 0) or 0) / 90)) % 4
    width, height = (plan.height, plan.width) if turns % 2 else (plan.width, plan.height)
    rgb = frame.to_ndarray(format="rgb24", width=width, height=height,
                           interpolation="BICUBIC")
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb


def _render_video_frame(prepared: Prepared, index: int, source: np.ndarray,
                        source_index: int) -> np.ndarray:
    points = prepared.video_points[source_index]
    if points is None:
        return np.array(source)
    source = np.asarray(source)
    speaker = prepared.speakers[0]
    rig = build_rig(source, points, prepared.video_triangles, prepared.video_skin)
    target = points + lip_displacements(points, _shape(speaker.track, index), rig.skin)
    out = source.copy()
    found = triangle_map(rig, points, target, source.shape)
    if found is not None:
        (x0, y0, x1, y1), map_x, map_y = found
        out[y0:y1, x0:x1] = warp.remap(source, map_x, map_y)
    paint_mouth(out, source, rig, target, np.zeros(2, np.float32))
    return out


# --- writing and the sync check ---------------------------------------------------------------


def _write(prepared: Prepared, target: Path) -> tuple[dict, int, int]:
    request, plan = prepared.request, prepared.plan
    share = _ANALYSIS_SHARE[request.mode]
    meters = _meters(prepared)
    writer = FrameWriter(request, target, plan.width, plan.height, plan.fps, plan.duration_s)
    started = time.perf_counter()
    try:
        for index, (_source, frame) in enumerate(prepared.frames()):
            for meter, box in meters:
                if box is not None:
                    meter.box = box(index)
                meter.measure(frame)
            writer.write(frame)
            if index % 10 == 0:
                request.report_progress(share + (0.97 - share) * index / prepared.frame_count)
                check_cancel(request, writer)
    except BaseException:
        writer.abort()
        raise
    render_ms = _ms(started)
    started = time.perf_counter()
    writer.close()
    encode_ms = _ms(started)
    return _report(prepared, [meter for meter, _ in meters]), render_ms, encode_ms


def _meters(prepared: Prepared) -> list:
    if prepared.image is not None:
        meters = []
        for speaker in prepared.speakers:
            meters.append((sync.LipMeter(speaker.meter_slot,
                                         face_model.Face(speaker.rig.points).box), None))
        return meters
    known = [p for p in prepared.video_points if p is not None]
    if not known:
        return []
    last_box = [face_model.Face(known[0]).box]

    def box(index: int):
        _, source_index = prepared.source_frame(index)
        points = prepared.video_points[source_index]
        if points is not None:
            last_box[0] = face_model.Face(points).box
        return last_box[0]

    return [(sync.LipMeter(0, last_box[0]), box)]


def _report(prepared: Prepared, meters: list[sync.LipMeter]) -> dict:
    fps = float(prepared.plan.fps)
    if not meters:
        return {"method": "lip-gap-vs-loudness", "r": None, "lag_frames": 0, "r_at_zero": None,
                "frames": 0, "fps": fps, "ok": False}
    reports = []
    for meter, speaker in zip(meters, prepared.speakers, strict=True):
        report = sync.correlate(np.array(meter.values), speaker.envelope, speaker.active)
        report["fps"] = fps
        reports.append(report)
    if prepared.request.mode != "multi" or len(reports) == 1:
        return reports[0]
    sides = ["left", "right"] if len(prepared.speakers) == 2 else ["face"]
    worst = min(reports, key=lambda r: -1.0 if r["r"] is None else r["r"])
    return {**worst, "faces": [{"side": side, **report}
                               for side, report in zip(sides, reports, strict=False)]}


def render_frames(request: EngineRequest, work: Path) -> Prepared:
    """For tests and tools: analyse a request; iterate `.frames()` for (source, rendered)."""
    if request.mode not in ("video", "image", "multi"):
        raise EngineError(f"unknown mode {request.mode!r}")
    return prepare(request, work)


__all__ = ["LipsyncEngine", "Prepared", "models", "prepare", "render_frames"]
