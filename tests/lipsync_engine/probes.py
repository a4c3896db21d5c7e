"""What the engine tests read back from an output or an input: its frames, its audio length."""

from pathlib import Path

import av
import numpy as np

from lipsync_engine.common.pcm import SAMPLE_RATE, decode_pcm


def decoded_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def video_info(path: Path) -> dict:
    """The output's codecs, size, rate and length as a player reports them."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        return {"codec": video.codec_context.name, "width": video.codec_context.width,
                "height": video.codec_context.height, "fps": float(video.average_rate),
                "seconds": float(video.duration * video.time_base),
                "audio": container.streams.audio[0].codec_context.name}


def audio_seconds(path: Path) -> float:
    return len(decode_pcm(path)) / SAMPLE_RATE
