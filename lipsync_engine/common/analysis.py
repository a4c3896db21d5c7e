"""The start every analysing engine shares: plan the output, count its frames, load the mask; and
ffmpeg started as soon as the plan is known, so that it opens the audio while the faces are
analysed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..base import EngineRequest
from .encode import FrameWriter
from .mask import load_mask
from .plan import Plan, analyse
from .speakers import looped_source

if TYPE_CHECKING:  # video.py imports PyAV, which image modes never load
    from .video import StoredFrames


@dataclass
class Analysed:
    """What an engine's analysis found; each engine adds its own fields."""

    request: EngineRequest
    plan: Plan
    frame_count: int
    mask: np.ndarray | None
    image: np.ndarray | None = None  # image modes: the still at the output size
    video_frames: StoredFrames | None = None  # video mode: RGB frame i = video_frames[i]
    warnings: list[str] = field(default_factory=list)

    def source_frame(self, index: int) -> tuple[np.ndarray, int]:
        """Output frame `index` -> (source picture, its index): the still, or the video played
        forward and backward."""
        if self.image is not None:
            return self.image, 0
        source = self.source_index(index)
        return self.video_frames[source], source

    def source_index(self, index: int) -> int:
        """The source frame output frame `index` shows (0 for a still), without fetching it."""
        if self.image is not None:
            return 0
        return looped_source(index, len(self.video_frames))


def planned(request: EngineRequest,
            on_plan: Callable[[Plan], None] | None = None) -> tuple[Plan, int, np.ndarray | None]:
    """(the output's plan, its frame count, the mask or None); `on_plan(plan)` is called as soon
    as the plan is known."""
    plan = analyse(request)
    if on_plan is not None:
        on_plan(plan)
    frame_count = max(1, round(plan.duration_s * float(plan.fps)))
    mask = load_mask(request.mask_image, plan) if request.mask_image is not None else None
    return plan, frame_count, mask


OnPlan = Callable[[Plan], None]


def analysed_with_writer(request: EngineRequest, target: Path,
                         analysis: Callable[[OnPlan], Any]) -> tuple[Any, FrameWriter]:
    """Run `analysis(on_plan)`; the FrameWriter for `target` starts when it calls on_plan. When
    the analysis fails (or the job is cancelled meanwhile) ffmpeg is stopped and the error
    raised."""
    writers: list[FrameWriter] = []

    def start_writer(plan: Plan) -> None:
        writers.append(FrameWriter(request, target, plan.width, plan.height, plan.fps,
                                   plan.duration_s))

    try:
        analysed = analysis(start_writer)
        request.check_cancelled()
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    return analysed, writers[0]
