"""Video mode's source frames and boxes (common/video.py): frames decoded at the output size
(stored as I420, RGB when used) with their colours; crop boxes averaged over frames, never across
a frame without a face."""

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from lipsync_engine.common.plan import Plan
from lipsync_engine.common.video import (
    StoredFrames,
    decoded_frames,
    i420_resized,
    rgb_of,
    smooth_boxes,
)


def test_boxes_are_averaged_within_a_run_of_faces_only():
    boxes = [(0, 0, 10, 10), (2, 2, 12, 12), None, (100, 100, 110, 110), (104, 100, 114, 110)]

    smoothed = smooth_boxes(boxes, window=3)

    assert smoothed == [(1, 1, 11, 11), (1, 1, 11, 11), None, (102, 100, 112, 110),
                        (102, 100, 112, 110)]


# --- the source's frames: decoded as I420 at the output size, RGB when used -------------------

def picture(width: int = 320, height: int = 180) -> np.ndarray:
    """Smooth colour ramps with a sharp square: colours and edges both show in a comparison."""
    ys, xs = np.mgrid[0:height, 0:width]
    rgb = np.stack([xs * 255 // width, ys * 255 // height, (xs + ys) * 127 // (width + height)],
                   axis=-1).astype(np.uint8)
    rgb[height // 3: 2 * height // 3, width // 3: width // 2] = (240, 30, 30)
    return rgb


def clip(path, rgb: np.ndarray, pix_fmt: str, frames: int = 5):
    """A lossless H.264 clip of `rgb` in `pix_fmt` (what a camera or an editor might write)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25, options={"qp": "0"})
        stream.width, stream.height, stream.pix_fmt = rgb.shape[1], rgb.shape[0], pix_fmt
        for _ in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuvj420p", "yuv444p"])
def test_frames_come_back_at_the_output_size_with_their_colours(tmp_path, pix_fmt):
    source = picture()
    plan = Plan(0.2, 640, 360, Fraction(25))

    frames = list(decoded_frames(clip(tmp_path / "in.mp4", source, pix_fmt), plan, 5))

    assert len(frames) == 5 and frames[0].shape == (360 * 3 // 2, 640)
    rgb = rgb_of(frames[0])
    expected = cv2.resize(source, (640, 360), interpolation=cv2.INTER_CUBIC)
    difference = np.abs(rgb.astype(int) - expected.astype(int))
    # 4:2:0 chroma blurs the square's edge a little; the colours themselves stay.
    assert difference.mean() < 3 and np.median(difference) <= 2, difference.mean()
    assert np.abs(rgb.reshape(-1, 3).mean(0) - expected.reshape(-1, 3).mean(0)).max() < 1.5


def test_planes_scale_like_the_picture(tmp_path):
    source = picture(320, 180)
    i420 = cv2.cvtColor(source, cv2.COLOR_RGB2YUV_I420)

    scaled = i420_resized(i420, 480, 270)

    assert scaled.shape == (270 * 3 // 2, 480)
    expected = cv2.resize(source, (480, 270), interpolation=cv2.INTER_CUBIC)
    assert np.abs(rgb_of(scaled).astype(int) - expected.astype(int)).mean() < 3
    assert i420_resized(i420, 320, 180) is i420  # already the size: no copy


def test_stored_frames_are_rgb_pictures_read_back_from_the_file(tmp_path):
    pictures = [picture(), picture()[::-1].copy()]
    path = tmp_path / "frames.raw"
    with open(path, "wb") as store:
        for rgb in pictures:
            store.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())

    frames = StoredFrames(path, 2, 180, 320)

    assert len(frames) == 2 and frames.shape == (2, 180, 320, 3)
    for index, rgb in enumerate(pictures):
        assert np.abs(frames[index].astype(int) - rgb.astype(int)).mean() < 3
