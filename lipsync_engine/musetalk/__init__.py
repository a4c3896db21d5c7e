"""The "musetalk" engine: MuseTalk-compatible checkpoints (one-step latent inpainting of the
lower face at 256x256, conditioned on whisper-tiny features) on GPU workers, the CPU otherwise.
Needs torch, diffusers, transformers and three operator-supplied folders (LIPSYNC_MUSETALK_UNET,
_VAE, _WHISPER); nothing is downloaded. No Django.

Importing this package is cheap: the engine, torch, diffusers and transformers load on first use.

    from lipsync_engine.musetalk import MuseTalkEngine
    MuseTalkEngine(unet="models/musetalk", vae="models/sd-vae", whisper="models/whisper")
"""

from .config import ModelFilesError, paths_problem

__all__ = ["CheckpointError", "ModelFilesError", "MuseTalkEngine", "load_unet", "paths_problem"]


def __getattr__(name: str):
    if name == "MuseTalkEngine":
        from .engine import MuseTalkEngine

        return MuseTalkEngine
    if name in ("CheckpointError", "load_unet"):
        from . import model

        return getattr(model, name)
    raise AttributeError(name)
