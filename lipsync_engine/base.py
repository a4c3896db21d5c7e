"""The engine boundary: local paths and parameters in, an MP4 and a report out. No Django.

The worker builds an EngineRequest from a job (inputs already fetched and probed), calls
`get_engine(name).render(request)` and stores EngineResult.output_path. Engines raise
EngineInputError for a problem with the user's input (shown to the user), EngineCancelled when
`should_cancel()` said so, and EngineError (or anything else) for their own failures.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

Mode = Literal["video", "image", "multi"]
Order = Literal["meanwhile", "left_right", "right_left"]

MODES = ("video", "image", "multi")
ORDERS = ("meanwhile", "left_right", "right_left")
RESOLUTIONS = (480, 720)
STAGES = ("analysis", "render", "encode")

# The inputs each mode needs; the others must be None.
_REQUIRED_INPUTS: dict[str, tuple[str, ...]] = {
    "video": ("video", "audio"),
    "image": ("image", "audio"),
    "multi": ("image", "left_audio", "right_audio"),
}
_INPUT_NAMES = ("video", "image", "audio", "left_audio", "right_audio")


class EngineError(Exception):
    """The engine itself failed (a tool crashed, a bug): not the user's fault."""


class EngineInputError(Exception):
    """An input the engine cannot use, e.g. an image with no face.

    `field` is the contract's name ("formState.image"); `message` one sentence for the user;
    `reason` a short tag a program can switch on ("no_face", or media_intake's InputError
    reasons such as "unreadable" and "too_long").
    """

    def __init__(self, field: str, message: str, *, reason: str = "unreadable") -> None:
        self.field = field
        self.message = message
        self.reason = reason
        super().__init__(field, message)

    def __str__(self) -> str:
        return self.message if self.message.startswith(self.field) else (
            f"{self.field}: {self.message}")


class EngineCancelled(Exception):
    """Raised when `should_cancel()` returned True; the partial output has been removed."""


@dataclass
class EngineRequest:
    mode: Mode
    out_path: Path
    video: Path | None = None
    image: Path | None = None
    audio: Path | None = None
    left_audio: Path | None = None
    right_audio: Path | None = None
    mask_image: Path | None = None
    resolution: int = 480  # output height
    seed: int | None = None  # None (or -1 from the API) = random
    prompt: str = ""
    order: Order = "meanwhile"  # multi mode only
    progress: Callable[[float], None] | None = None  # 0.0 .. 1.0
    should_cancel: Callable[[], bool] | None = None

    def __post_init__(self) -> None:
        """Catch programming errors at the boundary: these are the caller's, not the user's."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}.")
        if self.resolution not in RESOLUTIONS:
            raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {self.resolution!r}.")
        if self.order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}, not {self.order!r}.")
        if self.seed == -1:
            self.seed = None
        required = _REQUIRED_INPUTS[self.mode]
        for name in _INPUT_NAMES:
            value = getattr(self, name)
            if name in required and value is None:
                raise ValueError(f"mode {self.mode!r} needs {name}.")
            if name not in required and value is not None:
                raise ValueError(f"mode {self.mode!r} takes no {name}.")
            if value is not None:
                setattr(self, name, Path(value))
        if self.mask_image is not None:
            self.mask_image = Path(self.mask_image)
        self.out_path = Path(self.out_path)

    def report_progress(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, fraction)))

    def check_cancelled(self) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise EngineCancelled("The job was cancelled.")


@dataclass
class EngineResult:
    output_path: Path
    duration_s: float
    width: int
    height: int
    fps: float
    timings: dict[str, int] = field(default_factory=dict)  # ms per stage in STAGES
    warnings: list[str] = field(default_factory=list)
    sync: dict | None = None  # lip-sync self-check report; None when the engine has none

    def as_dict(self) -> dict:
        return {
            "output_path": str(self.output_path),
            "duration_s": round(self.duration_s, 3),
            "width": self.width,
            "height": self.height,
            "fps": round(self.fps, 3),
            "timings": dict(self.timings),
            "warnings": list(self.warnings),
            "sync": self.sync,
        }


class Engine(Protocol):
    name: str

    def render(self, request: EngineRequest) -> EngineResult: ...


@contextmanager
def atomic_output(out_path: Path, prefix: str) -> Iterator[tuple[Path, Path]]:
    """(scratch folder, partial file) for writing `out_path`: the output appears only when the
    block succeeds, and neither intermediates nor a half-written file are left behind.

    The scratch folder lives next to the output (the worker's job folder, cleaned with it)."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix=prefix, dir=out_path.parent) as work_dir:
        try:
            yield Path(work_dir), partial
            os.replace(partial, out_path)
        finally:
            partial.unlink(missing_ok=True)
