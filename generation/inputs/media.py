"""Old import path: see media_intake.media."""

from media_intake.media import (
    AudioInfo,
    ImageInfo,
    MediaInfo,
    VideoInfo,
    probe,
    probe_audio,
    probe_image,
    probe_video,
)

__all__ = ["AudioInfo", "ImageInfo", "MediaInfo", "VideoInfo", "probe", "probe_audio",
           "probe_image", "probe_video"]
