"""Which engine a worker can really run, decided at worker start without importing any engine.

An engine that needs something the machine lacks (wav2lip: a checkpoint file, PyTorch; musetalk:
three model folders, PyTorch, diffusers, transformers) is not started; the worker says so in one
line and renders with the default engine instead, so that a misconfigured GPU box still
completes jobs. No Django, no torch import.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .registry import DEFAULT_ENGINE

ENV_CHECKPOINT = "LIPSYNC_WAV2LIP_CHECKPOINT"
ENV_DEVICE = "LIPSYNC_WAV2LIP_DEVICE"
ENV_BATCH = "LIPSYNC_WAV2LIP_BATCH"
ENV_HALF = "LIPSYNC_WAV2LIP_HALF"

ENV_MUSETALK_UNET = "LIPSYNC_MUSETALK_UNET"
ENV_MUSETALK_VAE = "LIPSYNC_MUSETALK_VAE"
ENV_MUSETALK_WHISPER = "LIPSYNC_MUSETALK_WHISPER"
ENV_MUSETALK_DEVICE = "LIPSYNC_MUSETALK_DEVICE"
ENV_MUSETALK_BATCH = "LIPSYNC_MUSETALK_BATCH"
ENV_MUSETALK_HALF = "LIPSYNC_MUSETALK_HALF"
MUSETALK_UNET_CONFIG = "musetalk.json"  # the UNet folder's diffusers keywords


def checkpoint_problem(checkpoint: str) -> str | None:
    """What the wav2lip engine lacks on this machine, as a phrase; None when it can start."""
    if not checkpoint:
        return f"{ENV_CHECKPOINT}=/path/to/wav2lip.pth (not set)"
    if not Path(checkpoint).is_file():
        return f"{ENV_CHECKPOINT}=/path/to/wav2lip.pth (no file at {checkpoint})"
    if importlib.util.find_spec("torch") is None:
        return "PyTorch (pip install torch==2.13.0)"
    return None


def folder_problem(kind: str, folder: str, needed: tuple[str, ...]) -> str | None:
    """What is wrong with one operator folder, as a phrase; None when it looks usable."""
    if not folder:
        return f"{kind} (not set)"
    path = Path(folder)
    if not path.is_dir():
        return f"{kind} (no folder at {folder})"
    for name in needed:
        if not (path / name).is_file():
            return f"{kind} (no {name} in {folder})"
    return None


def musetalk_problem(unet: str, vae: str, whisper: str) -> str | None:
    """What the musetalk engine lacks on this machine, as a phrase; None when it can start.
    Cheap: looks at the folders, imports nothing."""
    problem = (folder_problem(f"{ENV_MUSETALK_UNET}=/path/to/musetalk", unet,
                              (MUSETALK_UNET_CONFIG,))
               or folder_problem(f"{ENV_MUSETALK_VAE}=/path/to/sd-vae-ft-mse", vae,
                                 ("config.json",))
               or folder_problem(f"{ENV_MUSETALK_WHISPER}=/path/to/whisper-tiny", whisper,
                                 ("config.json", "preprocessor_config.json")))
    if problem:
        return problem
    for module, pin in (("torch", "torch==2.13.0"), ("diffusers", "diffusers==0.42.1"),
                        ("transformers", "transformers==5.24.0")):
        if importlib.util.find_spec(module) is None:
            return f"{module} (pip install {pin})"
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
        problem = musetalk_problem(*musetalk_folders)
    if problem:
        return DEFAULT_ENGINE, (f"LIPSYNC_ENGINE={name} needs {problem}; this worker uses "
                                f"the default engine '{DEFAULT_ENGINE}'.")
    return name, None
