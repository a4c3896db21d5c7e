"""The warp's two paths agree: OpenCV (CPU) and torch grid_sample (used on a CUDA device)."""

import cv2
import numpy as np
import pytest

from lipsync_engine.lipsync import warp


def test_torch_grid_sample_matches_opencv_within_a_few_grey_levels():
    torch = pytest.importorskip("torch", reason="torch is optional and not installed")
    rng = np.random.default_rng(0)
    # A picture-like image (smooth, with edges): cv2.remap quantises positions to 1/32 pixel,
    # which on pure noise alone would differ by more than a few grey levels.
    noise = (rng.random((120, 160, 3)) * 255).astype(np.uint8)
    image = cv2.GaussianBlur(noise, (0, 0), 2.0)
    image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX)
    ys, xs = np.mgrid[0:100, 0:140].astype(np.float32)
    map_x = xs + 5 + 3 * np.sin(ys / 9)
    map_y = ys + 4 + 2 * np.cos(xs / 7)
    expected = warp.remap_opencv(image, map_x, map_y)
    got = warp.remap_many_torch([(image, map_x, map_y)] * 2, torch, torch.device("cpu"))
    for frame in got:
        difference = np.abs(frame.astype(int) - expected.astype(int))
        assert difference.max() <= 3 and difference.mean() < 0.6


def test_without_cuda_the_opencv_path_runs():
    assert warp.backend() in ("opencv", "torch-cuda")
    image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    ys, xs = np.mgrid[0:4, 0:4].astype(np.float32)
    assert np.array_equal(warp.remap(image, xs, ys), image)
