"""The "wav2lip" engine: Wav2Lip-compatible checkpoints (96x96 lower-face generation from mel
windows) on GPU workers, the CPU otherwise. Needs torch and an operator-supplied checkpoint
(LIPSYNC_WAV2LIP_CHECKPOINT); nothing is downloaded. No Django.

    from lipsync_engine.wav2lip import Wav2Lip
    Wav2Lip()(mel, faces)  # mel (B, 1, 80, 16), faces (B, 6, 96, 96) -> (B, 3, 96, 96) in [0, 1]
"""

from .engine import Wav2LipEngine
from .model import CheckpointError, Wav2Lip, load_checkpoint

__all__ = ["CheckpointError", "Wav2Lip", "Wav2LipEngine", "load_checkpoint"]
