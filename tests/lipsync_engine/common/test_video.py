"""Crop boxes over a video (common/video.py): averaged over frames, never across a frame
without a face."""

from lipsync_engine.common.video import smooth_boxes


def test_boxes_are_averaged_within_a_run_of_faces_only():
    boxes = [(0, 0, 10, 10), (2, 2, 12, 12), None, (100, 100, 110, 110), (104, 100, 114, 110)]

    smoothed = smooth_boxes(boxes, window=3)

    assert smoothed == [(1, 1, 11, 11), (1, 1, 11, 11), None, (102, 100, 112, 110),
                        (102, 100, 112, 110)]
