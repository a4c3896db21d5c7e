"""The musetalk engine: MuseTalk-compatible checkpoints on the GPU (or the CPU). No Django.

Same inputs, outputs and report as the other engines, whose shared pieces it uses (common/):
PyAV audio decoding (16 kHz mono), mediapipe face detection and mesh tracking, the still picture
and the video frames at the output size, the mask, the ffmpeg pipe and the sync self-check.
What differs is the mouth: for every frame the network redraws the lower half
of a 256x256 face crop from the masked crop, a reference crop and whisper features of the 0.2 s
of audio around the frame.

- image: the still at 25 fps for the audio's length; the still is target and reference.
- video: the source frames (forward then backward when the audio is longer, cut when shorter),
  up to 30 fps; each frame is its own reference (its pose and light), its lower half masked so
  that the mouth comes from the network; frames without a face pass through unchanged.
- multi: two faces, left and right, each driven by its own audio track placed by `order`; a face
  whose audio is not playing hears silence (whisper's features of silence: a resting mouth).

Work is overlapped: a thread cuts the crops of the next batch while the network runs this one;
each face's VAE latents are computed once per render (a still once, a video frame once however
often the loop shows it); another thread waits for the decoded faces, pastes, masks, measures
and pipes them to ffmpeg. Nothing is sampled: the same inputs give the same frames.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..base import EngineError, EngineRequest, EngineResult
from ..common import batched, models
from ..common.analysis import Analysed, planned
from ..common.encode import FrameWriter
from ..common.mask import covers_lips
from ..common.pcm import decode_pcm, envelope_per_frame
from ..common.plan import Plan, still_frame
from ..common.speakers import ANALYSIS_SHARE, multi_offsets, placed, span, speaking_faces
from ..common.threads import Background
from ..common.video import video_faces
from . import audio, crops
from .config import (
    ENV_BATCH,
    ENV_DEVICE,
    ENV_HALF,
    ENV_UNET,
    ENV_VAE,
    ENV_WHISPER,
    ModelFilesError,
    paths_problem,
)
from .inference import Pending, Runner, batch_size_for, pick_device
from .model import Networks, load_networks


@dataclass
class Speaker:
    """One face driven by one audio track, over the whole output timeline."""

    slot: int  # sync meter slot (0: left or only, 1: right)
    features: np.ndarray  # (steps, states, d) whisper features of its timeline (50 a second)
    envelope: np.ndarray  # loudness per output frame, for the sync check
    active: np.ndarray  # frames where its own audio plays
    boxes: list  # crop box per source frame (image modes: one)
    meter_boxes: list  # the face oval's box per source frame, for the sync meter


@dataclass
class Prepared(Analysed):
    speakers: list[Speaker] = field(default_factory=list)


@dataclass
class Batch:
    """Consecutive output frames and one network sample per (frame, visible face)."""

    start: int
    stop: int
    items: list[tuple[int, int, crops.Box]]  # (frame index, speaker number, box)
    keys: list[tuple[int, int]]  # per item: its latents' key (speaker number, source index)
    tokens: np.ndarray  # (n, tokens, d) audio conditioning
    new_keys: list[tuple[int, int]]  # keys seen first in this batch ...
    new_pictures: np.ndarray  # ... and their (k, 2, 3, 256, 256) masked + reference pictures


class MuseTalkEngine:
    name = "musetalk"

    def __init__(self, unet: str | Path | None = None, vae: str | Path | None = None,
                 whisper: str | Path | None = None, device: str | None = None,
                 batch_size: int | None = None, half: bool | None = None,
                 networks: Networks | None = None) -> None:
        """Settings from the arguments, else the environment (LIPSYNC_MUSETALK_UNET, _VAE,
        _WHISPER, _DEVICE, _BATCH, _HALF). The weights load on the first render. `networks`
        (tools, the benchmark): networks already built, instead of the folders."""
        folders = [str(value or os.environ.get(name, "")) for value, name in (
            (unet, ENV_UNET), (vae, ENV_VAE), (whisper, ENV_WHISPER))]
        problem = None if networks is not None else paths_problem(*folders)
        if problem:
            raise EngineError(f"The musetalk engine needs {problem}.")
        self.folders = [Path(folder) for folder in folders]
        self._networks = networks
        self.device_name = device or os.environ.get(ENV_DEVICE) or "auto"
        self.requested_batch = batch_size or batched.whole_number(ENV_BATCH) or None
        self.half = batched.half_setting(half, ENV_HALF)
        self._runner: Runner | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """The networks on their device and the face models loaded (at worker start)."""
        self.runner()
        models.warm_up()

    def runner(self) -> Runner:
        """The networks on their device, loaded once per process."""
        with self._lock:
            if self._runner is None:
                device = pick_device(self.device_name)
                try:
                    networks = self._networks or load_networks(*self.folders)
                except ModelFilesError as exc:  # the operator's files: one line, which and why
                    raise EngineError(str(exc)) from exc
                self._networks = None  # the runner holds them now
                self._runner = Runner(networks, device, self.half)
            return self._runner

    def batch_size(self) -> int:
        runner = self.runner()
        return batch_size_for(runner.device, runner.dtype, self.requested_batch)

    def render(self, request: EngineRequest) -> EngineResult:
        if request.seed is not None:
            torch.manual_seed(request.seed)  # nothing is sampled; kept for any future sampling
        # The networks first: whisper computes the audio features during the analysis.
        return batched.rendered(
            request, self.name,
            lambda work, on_plan: prepare(request, work, self.runner(), on_plan),
            lambda prepared, writer: _write(prepared, self.runner(), self.batch_size(), writer))


# --- analysis ---------------------------------------------------------------------------------


def prepare(request: EngineRequest, work: Path, runner: Runner,
            on_plan: Callable[[Plan], None] | None = None) -> Prepared:
    """Probe the inputs, compute the audio features, find and box the faces: all but frames."""
    prepared = Prepared(request, *planned(request, on_plan))
    if request.mode == "video":
        _prepare_video(prepared, work, runner)
    else:
        _prepare_image(prepared, runner)
    request.report_progress(ANALYSIS_SHARE[request.mode])
    return prepared


@dataclass
class _Voice:
    """One audio input at 16 kHz and its loudness per output frame."""

    pcm: np.ndarray
    envelope: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.envelope)


def _voice(path: Path, fps: float) -> _Voice:
    pcm = decode_pcm(path)
    frames = max(1, round(len(pcm) / audio.SAMPLE_RATE * fps))
    return _Voice(pcm, envelope_per_frame(pcm, fps, frames))


def _placed_voice(voice: _Voice, offset: int, frames: int, fps: float, runner: Runner
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The voice placed at frame `offset` of a silent timeline `frames` long: its whisper
    features, its loudness per frame and the frames where it plays."""
    start = round(offset / fps * audio.SAMPLE_RATE)
    timeline = np.zeros(max(start + len(voice.pcm), round(frames / fps * audio.SAMPLE_RATE)),
                        np.float32)
    timeline[start: start + len(voice.pcm)] = audio.pcm_to_float(voice.pcm)
    return (runner.audio_features(timeline),
            placed(voice.envelope, offset, frames),
            span(offset, voice.frames, frames))


def _placed_voices(request: EngineRequest, voices: list[_Voice], frames: int, fps: float,
                   runner: Runner) -> list:
    if request.mode != "multi":
        return [_placed_voice(voices[0], 0, frames, fps, runner)]
    left, right = voices
    offsets = multi_offsets(request.order, left.frames, right.frames)
    return [_placed_voice(voice, offset, frames, fps, runner)
            for voice, offset in zip(voices, offsets, strict=True)]


def _prepare_image(prepared: Prepared, runner: Runner) -> None:
    request, plan = prepared.request, prepared.plan
    fps, frames = float(plan.fps), prepared.frame_count
    paths = ([request.audio] if request.mode == "image"
             else [request.left_audio, request.right_audio])
    voices = Background(lambda: _placed_voices(
        request, [_voice(path, fps) for path in paths], frames, fps, runner))
    try:
        image = still_frame(request.image, plan)
        prepared.image = image
        found = speaking_faces(image, request.mode, prepared.mask)
        timelines = voices.result()
    finally:
        voices.wait()
    skipped = 0
    for slot, (face, (features, envelope, active)) in enumerate(
            zip(found, timelines, strict=False)):
        box = crops.face_box(face.points, image.shape)
        if box is None or not covers_lips(prepared.mask, face.points):
            skipped += 1
            continue
        prepared.speakers.append(Speaker(slot=slot, features=features, envelope=envelope,
                                         active=active, boxes=[box], meter_boxes=[face.box]))
    if skipped:
        prepared.warnings.append("mask_image leaves one face out: it stays still.")


def _prepare_video(prepared: Prepared, work: Path, runner: Runner) -> None:
    """The shared video analysis (frames decoded into a read-only map, tracked and smoothed
    face mesh, its warnings and mask check), then crop boxes from the landmarks."""
    request, plan = prepared.request, prepared.plan
    fps = float(plan.fps)
    voice = Background(lambda: _placed_voice(
        _voice(request.audio, fps), 0, prepared.frame_count, fps, runner))
    try:
        needed = min(prepared.frame_count, int(np.ceil(plan.source_duration_s * fps)) + 1)
        faces = video_faces(request, plan, prepared.mask, needed, work / "frames.raw")
        features, envelope, active = voice.result()
    finally:
        voice.wait()
    prepared.video_frames = faces.frames
    prepared.warnings.extend(faces.warnings)
    boxes, meter_boxes = faces.boxes(crops.face_box)
    prepared.speakers.append(Speaker(slot=0, features=features, envelope=envelope,
                                     active=active, boxes=boxes, meter_boxes=meter_boxes))


# --- frames -----------------------------------------------------------------------------------


def batches(prepared: Prepared, frames_per_batch: int) -> Iterator[Batch]:
    """The network's inputs, `frames_per_batch` output frames at a time. The pictures of a face
    (speaker, source frame) come once, with the first batch that shows it."""
    fps = float(prepared.plan.fps)
    seen: set[tuple[int, int]] = set()
    codes = None
    for start in range(0, prepared.frame_count, frames_per_batch):
        stop = min(prepared.frame_count, start + frames_per_batch)
        items, keys, tokens, new_keys, pictures = [], [], [], [], []
        for index in range(start, stop):
            source, source_index = prepared.source_frame(index)
            for number, speaker in enumerate(prepared.speakers):
                box = speaker.boxes[source_index]  # image modes: one box, source index 0
                if box is None:
                    continue  # no face in this source frame: it passes through
                key = (number, source_index)
                if key not in seen:
                    seen.add(key)
                    new_keys.append(key)
                    pictures.append(crops.network_pictures(crops.crop(source, box)))
                items.append((index, number, box))
                keys.append(key)
                tokens.append(audio.frame_windows(speaker.features, fps, [index])[0])
        if tokens and codes is None:
            codes = audio.position_codes(*tokens[0].shape)
        yield Batch(start, stop, items, keys,
                    np.stack(tokens) + codes if tokens else np.zeros((0, 1, 1), np.float32),
                    new_keys, np.stack(pictures) if pictures else np.zeros(
                        (0, 2, 3, crops.FACE_SIZE, crops.FACE_SIZE), np.float32))


def _predict(runner: Runner, batch: Batch, latents: dict) -> Pending | None:
    """The batch's faces on their way (None when no frame of it shows a face). `latents`
    keeps each face's VAE latents for the rest of the render."""
    if len(batch.new_keys):
        encoded = runner.encode(batch.new_pictures)
        for key, value in zip(batch.new_keys, encoded, strict=True):
            latents[key] = value
    if not batch.items:
        return None
    return runner(torch.stack([latents[key] for key in batch.keys]), batch.tokens)


def composed(prepared: Prepared, batch: Batch, faces: np.ndarray | None,
             weights: dict) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(source, output) per frame of the batch: the faces pasted, then the mask applied."""
    return batched.composed(prepared, batch, faces, crops.paste, weights)


def render_frames(prepared: Prepared, runner: Runner,
                  batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For tests and tools: (source, output) for every frame, serially."""
    weights: dict = {}
    latents: dict = {}
    for batch in batches(prepared, batched.frames_per_batch(prepared.speakers, batch_size)):
        pending = _predict(runner, batch, latents)
        yield from composed(prepared, batch, None if pending is None else pending.result(),
                            weights)


def _write(prepared: Prepared, runner: Runner, batch_size: int,
           writer: FrameWriter) -> tuple[dict, int, int]:
    """The shared three-stage render (common/batched.py) with these networks; the output thread
    waits for each batch's decoded faces while the next batch runs."""
    latents: dict = {}

    def predict(batch: Batch):
        pending = _predict(runner, batch, latents)
        return (lambda: None) if pending is None else pending.result

    return batched.write_batches(
        prepared, batches(prepared, batched.frames_per_batch(prepared.speakers, batch_size)),
        predict, crops.paste, writer, "musetalk")


__all__ = ["MuseTalkEngine", "Prepared", "batches", "composed", "prepare", "render_frames"]
