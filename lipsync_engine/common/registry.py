"""Engines by name, created once per process so models load once per worker. No Django.

The worker calls `get_engine(settings.LIPSYNC_ENGINE)`; the command line `--engine`. A name of the
form "package.module:Class" builds that class (an operator's own engine; the tests' gated one).
"""

from __future__ import annotations

import importlib
import threading

from ..base import Engine

DEFAULT_ENGINE = "lipsync"

# name -> "module:Class". Imported on first use, so a heavy engine costs nothing until chosen.
_ENGINES: dict[str, str] = {
    "still": "lipsync_engine.still:StillEngine",
    # Weight-free CPU lip-sync (mediapipe face mesh + pocketsphinx phones): all three modes.
    "lipsync": "lipsync_engine.lipsync:LipsyncEngine",
    # Wav2Lip-compatible checkpoints with torch (GPU workers); needs LIPSYNC_WAV2LIP_CHECKPOINT.
    "wav2lip": "lipsync_engine.wav2lip:Wav2LipEngine",
    # MuseTalk-compatible folders with torch, diffusers, transformers (GPU workers); needs
    # LIPSYNC_MUSETALK_UNET, _VAE and _WHISPER.
    "musetalk": "lipsync_engine.musetalk:MuseTalkEngine",
}
_instances: dict[str, Engine] = {}
_lock = threading.Lock()


class UnknownEngineError(LookupError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Unknown engine {name!r}; known engines: {', '.join(known_engines())}."
        )


def known_engines() -> list[str]:
    return sorted(_ENGINES)


def register_engine(name: str, target: str) -> None:
    """Add an engine as "package.module:Class" (a class whose no-argument call builds it)."""
    with _lock:
        _ENGINES[name] = target
        _instances.pop(name, None)


def get_engine(name: str | None = None) -> Engine:
    """The process-wide instance of engine `name` (DEFAULT_ENGINE when None or empty)."""
    name = name or DEFAULT_ENGINE
    if name not in _ENGINES and ":" in name:  # an operator's own class, "package.module:Class"
        register_engine(name, name)
    if name not in _ENGINES:
        raise UnknownEngineError(name)
    with _lock:
        engine = _instances.get(name)
        if engine is None:
            engine = _instances[name] = _build(_ENGINES[name])
        return engine


def _build(target: str) -> Engine:
    module_name, _, class_name = target.partition(":")
    engine_class = getattr(importlib.import_module(module_name), class_name)
    return engine_class()
