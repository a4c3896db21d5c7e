"""What the engine tests read back from an output or an input: its frames, its audio length."""

from pathlib import Path

import av
import numpy as np

from lipsync_engine.common.pcm import SAMPLE_RATE, decode_pcm


def decoded_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def audio_seconds(path: Path) -> float:
    return len(decode_pcm(path)) / SAMPLE_RATE
