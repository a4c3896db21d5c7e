"""Which engine a worker can really run, decided at worker start without importing any engine.

An engine that needs something the machine lacks (wav2lip: a checkpoint file, PyTorch; musetalk:
three model folders, PyTorch, diffusers, transformers) is not started; the worker says so in one
line and renders with the default engine instead, so that a misconfigured GPU box still
completes jobs. No Django, no torch import.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from lipsync_engine.musetalk.config import paths_problem as musetalk_paths_problem

from .registry import DEFAULT_ENGINE

ENV_CHECKPOINT = "LIPSYNC_WAV2LIP_CHECKPOINT"
ENV_DEVICE = "LIPSYNC_WAV2LIP_DEVICE"
ENV_BATCH = "LIPSYNC_WAV2LIP_BATCH"
ENV_HALF = "LIPSYNC_WAV2LIP_HALF"


def checkpoint_problem(checkpoint: str) -> str | None:
    """What the wav2lip engine lacks on this machine, as a phrase; None when it can start."""
    if not checkpoint:
        return f"{ENV_CHECKPOINT}=/path/to/wav2lip.pth (not set)"
    if not Path(checkpoint).is_file():
        return f"{ENV_CHECKPOINT}=/path/to/wav2lip.pth (no file at {checkpoint})"
    if importlib.util.find_spec("torch") is None:
        return "PyTorch (pip install torch==2.13.0)"
    return None


def usable_engine(name: str | None, *, wav2lip_checkpoint: str = "",
                  musetalk_folders: tuple[str, str, str] = ("", "", "")
                  ) -> tuple[str, str | None]:
    """(the engine to render with, the line to log when it is not the one configured).
    `musetalk_folders`: the UNet, VAE and whisper folders."""
    name = name or DEFAULT_ENGINE
    problem = None
    if name == "wav2lip":
        problem = checkpoint_problem(wav2lip_checkpoint)
    elif name == "musetalk":
        problem = musetalk_paths_problem(*musetalk_folders)
    if problem:
        return DEFAULT_ENGINE, (f"LIPSYNC_ENGINE={name} needs {problem}; this worker uses "
                                f"the default engine '{DEFAULT_ENGINE}'.")
    return name, None
