"""The wav2lip engine: a Wav2Lip-compatible checkpoint on the GPU (or the CPU). No Django.

Same inputs, outputs and report as the lipsync engine, sharing its pieces (common/): PyAV audio
decoding (16 kHz mono), mediapipe face detection and mesh tracking, the still picture and video
frames at the output size, the mask, the ffmpeg pipe and the sync self-check. What differs is the
mouth: the network draws the lower face of each frame from the 0.2 s of audio around it.

- image: the still at 25 fps for the audio's length; the still is both target and reference.
- video: the source frames (forward then backward when the audio is longer, cut when shorter),
  up to 30 fps; each frame is its own reference; frames without a face pass through unchanged.
- multi: two faces, left and right, each driven by its own audio placed by `order`; a face whose
  audio is not playing gets the window of silence (a closed, resting mouth).

Work is overlapped: a thread cuts the crops and mel windows of the next batch while the network
runs the current one, and another pastes, masks, measures and pipes the previous one to ffmpeg.
Inference has no sampling: the same inputs give the same frames, whatever the seed.
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
from ..common.selection import (
    ENV_BATCH,
    ENV_CHECKPOINT,
    ENV_DEVICE,
    ENV_HALF,
    checkpoint_problem,
)
from ..common.speakers import (
    ANALYSIS_SHARE,
    multi_offsets,
    placed,
    span,
    speaking_faces,
)
from ..common.threads import Background
from ..common.video import video_faces
from . import audio, crops
from .inference import Runner, batch_size_for, pick_device
from .model import load_checkpoint


@dataclass
class Speaker:
    """One face driven by one audio track, over the whole output timeline."""

    slot: int  # sync meter slot (0 left / only, 1 right)
    windows: np.ndarray  # (frames, 80, 16) mel window per output frame
    envelope: np.ndarray  # loudness per output frame, for the sync check
    active: np.ndarray  # frames where its own audio plays
    boxes: list  # crop box per source frame (image modes: one)
    meter_boxes: list  # the face oval's box per source frame, for the sync meter
    still_faces: np.ndarray | None = None  # image modes: the constant network face input


@dataclass
class Prepared(Analysed):
    speakers: list[Speaker] = field(default_factory=list)


@dataclass
class Batch:
    """Consecutive output frames and one network sample per (frame, visible face)."""

    start: int
    stop: int
    items: list[tuple[int, int, crops.Box]]  # (frame index, speaker index, box)
    mels: np.ndarray  # (n, 80, 16)
    faces: np.ndarray  # (n, 6, 96, 96)


class Wav2LipEngine:
    name = "wav2lip"

    def __init__(self, checkpoint: str | Path | None = None, device: str | None = None,
                 batch_size: int | None = None, half: bool | None = None) -> None:
        """Settings from the arguments, else the environment (LIPSYNC_WAV2LIP_CHECKPOINT,
        LIPSYNC_WAV2LIP_DEVICE, LIPSYNC_WAV2LIP_BATCH, LIPSYNC_WAV2LIP_HALF). The weights load
        on the first render."""
        checkpoint = checkpoint or os.environ.get(ENV_CHECKPOINT, "")
        problem = checkpoint_problem(str(checkpoint))
        if problem:
            raise EngineError(f"The wav2lip engine needs {problem}.")
        self.checkpoint = Path(checkpoint)
        self.device_name = device or os.environ.get(ENV_DEVICE) or "auto"
        self.requested_batch = batch_size or batched.whole_number(ENV_BATCH) or None
        self.half = batched.half_setting(half, ENV_HALF)
        self._runner: Runner | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """The weights on their device and the face models loaded (a worker calls this when it
        starts)."""
        self.runner()
        models.warm_up()

    def runner(self) -> Runner:
        """The network on its device, loaded once per process."""
        with self._lock:
            if self._runner is None:
                device = pick_device(self.device_name)
                self._runner = Runner(load_checkpoint(self.checkpoint), device, self.half)
            return self._runner

    def batch_size(self) -> int:
        runner = self.runner()
        return batch_size_for(runner.device, runner.half, self.requested_batch)

    def render(self, request: EngineRequest) -> EngineResult:
        if request.seed is not None:
            torch.manual_seed(request.seed)  # nothing is sampled; kept for any future sampling

        def analysis(work: Path, on_plan) -> Prepared:
            prepared = prepare(request, work, on_plan=on_plan)
            self.runner()  # the first render loads the weights while ffmpeg starts
            return prepared

        return batched.rendered(request, self.name, analysis, lambda prepared, writer: _write(
            prepared, self.runner(), self.batch_size(), writer))


# --- analysis ---------------------------------------------------------------------------------


def prepare(request: EngineRequest, work: Path,
            on_plan: Callable[[Plan], None] | None = None) -> Prepared:
    """Probe the inputs, compute the mel windows, find and box the faces: all but the frames."""
    prepared = Prepared(request, *planned(request, on_plan))
    if request.mode == "video":
        _prepare_video(prepared, work)
    else:
        _prepare_image(prepared)
    request.report_progress(ANALYSIS_SHARE[request.mode])
    return prepared


@dataclass
class _Voice:
    """One audio input at the output rate: mel windows and loudness for its own frames."""

    windows: np.ndarray
    envelope: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.windows)


def _voice(path: Path, fps: float) -> _Voice:
    pcm = decode_pcm(path)
    frames = max(1, round(len(pcm) / audio.SAMPLE_RATE * fps))
    mel = audio.melspectrogram(audio.pcm_to_float(pcm))
    return _Voice(audio.mel_windows(mel, fps, frames),
                  envelope_per_frame(pcm, fps, frames))


def _timeline(voice: _Voice, offset: int, frames: int) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """The voice placed at `offset` on a timeline of `frames`: windows (silence elsewhere),
    envelope and the frames where it plays."""
    windows = np.broadcast_to(audio.silence_window(), (frames, audio.N_MELS,
                                                       audio.MEL_STEP)).copy()
    end = min(frames, offset + voice.frames)
    if end > offset:
        windows[offset:end] = voice.windows[: end - offset]
    return (windows, placed(voice.envelope, offset, frames),
            span(offset, voice.frames, frames))


def _prepare_image(prepared: Prepared) -> None:
    request, plan = prepared.request, prepared.plan
    fps, frames = float(plan.fps), prepared.frame_count
    paths = ([request.audio] if request.mode == "image"
             else [request.left_audio, request.right_audio])
    voices = Background(lambda: [_voice(path, fps) for path in paths])
    try:
        image = still_frame(request.image, plan)
        prepared.image = image
        found = speaking_faces(image, request.mode, prepared.mask)
        placed = _placed_voices(request, voices.result(), frames)
    finally:
        voices.wait()
    skipped = 0
    for slot, (face, (windows, envelope, active)) in enumerate(zip(found, placed, strict=False)):
        box = crops.face_box(face.points, image.shape)
        if box is None or not covers_lips(prepared.mask, face.points):
            skipped += 1
            continue
        face_crop = crops.crop(image, box)
        prepared.speakers.append(Speaker(
            slot=slot, windows=windows, envelope=envelope, active=active, boxes=[box],
            meter_boxes=[face.box], still_faces=crops.network_faces(face_crop, face_crop)))
    if skipped:
        prepared.warnings.append("mask_image leaves one face out: it stays still.")


def _placed_voices(request: EngineRequest, voices: list[_Voice], frames: int) -> list:
    if request.mode == "image":
        return [_timeline(voices[0], 0, frames)]
    left, right = voices
    offsets = multi_offsets(request.order, left.frames, right.frames)
    return [_timeline(left, offsets[0], frames), _timeline(right, offsets[1], frames)]


def _prepare_video(prepared: Prepared, work: Path) -> None:
    """The shared video analysis (decoded frames in a read-only map, tracked and smoothed face
    mesh, its warnings and mask check), then crop boxes from the landmarks."""
    request, plan = prepared.request, prepared.plan
    fps = float(plan.fps)
    voice = Background(lambda: _voice(request.audio, fps))
    try:
        needed = min(prepared.frame_count, int(np.ceil(plan.source_duration_s * fps)) + 1)
        faces = video_faces(request, plan, prepared.mask, needed, work / "frames.raw")
    finally:
        voice.wait()
    prepared.video_frames = faces.frames
    prepared.warnings.extend(faces.warnings)
    boxes, meter_boxes = faces.boxes(crops.face_box)
    windows, envelope, active = _timeline(voice.result(), 0, prepared.frame_count)
    prepared.speakers.append(Speaker(slot=0, windows=windows, envelope=envelope, active=active,
                                     boxes=boxes, meter_boxes=meter_boxes))


# --- frames -----------------------------------------------------------------------------------


def batches(prepared: Prepared, frames_per_batch: int) -> Iterator[Batch]:
    """The network's inputs, `frames_per_batch` output frames at a time."""
    for start in range(0, prepared.frame_count, frames_per_batch):
        stop = min(prepared.frame_count, start + frames_per_batch)
        items, mels, faces = [], [], []
        for index in range(start, stop):
            source, source_index = prepared.source_frame(index)
            for number, speaker in enumerate(prepared.speakers):
                box = speaker.boxes[source_index]  # image modes: one box, source index 0
                if box is None:
                    continue  # no face in this source frame: it passes through
                if speaker.still_faces is not None:
                    faces.append(speaker.still_faces)
                else:
                    face_crop = crops.crop(source, box)
                    faces.append(crops.network_faces(face_crop, face_crop))
                mels.append(speaker.windows[index])
                items.append((index, number, box))
        shape = (0, 6, crops.FACE_SIZE, crops.FACE_SIZE)
        yield Batch(start, stop, items,
                    np.stack(mels) if mels else np.zeros((0, audio.N_MELS, audio.MEL_STEP),
                                                         np.float32),
                    np.stack(faces) if faces else np.zeros(shape, np.float32))


def composed(prepared: Prepared, batch: Batch, predictions: np.ndarray,
             weights: dict) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(source, output) per frame of the batch: predictions pasted, then the mask applied."""
    return batched.composed(prepared, batch, predictions, crops.paste, weights)


def render_frames(prepared: Prepared, runner: Runner,
                  batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For tests and tools: (source, output) for every frame, serially."""
    weights: dict = {}
    for batch in batches(prepared, batched.frames_per_batch(prepared.speakers, batch_size)):
        yield from composed(prepared, batch, _predict(runner, batch), weights)


def _predict(runner: Runner, batch: Batch) -> np.ndarray:
    if not batch.items:
        return np.zeros((0, crops.FACE_SIZE, crops.FACE_SIZE, 3), np.uint8)
    return runner(batch.mels, batch.faces)


def _write(prepared: Prepared, runner: Runner, batch_size: int,
           writer: FrameWriter) -> tuple[dict, int, int]:
    """The shared three-stage render (common/batched.py) with this network."""
    def predict(batch: Batch):
        predictions = _predict(runner, batch)  # torch returns when the batch is done
        return lambda: predictions

    return batched.write_batches(
        prepared, batches(prepared, batched.frames_per_batch(prepared.speakers, batch_size)),
        predict, crops.paste, writer, "wav2lip")


__all__ = ["Prepared", "Wav2LipEngine", "batches", "composed", "prepare", "render_frames"]
