"""Whisper features per video frame, as the musetalk engine conditions its UNet."""

import numpy as np
import pytest

from lipsync_engine.musetalk import audio


def numbered_features(steps, states=3, width=4):
    """Feature step s holds s + 1 everywhere (0 means padding)."""
    return np.broadcast_to((np.arange(steps, dtype=np.float32) + 1)[:, None, None],
                           (steps, states, width)).copy()


def test_each_frame_sees_the_0_2_s_around_it():
    features = numbered_features(150)  # 3 s at 50 steps a second
    windows = audio.frame_windows(features, 25.0, np.arange(75))
    assert windows.shape == (75, 10 * 3, 4)
    steps = windows[:, ::3, 0]  # one state per step
    # Frame 10 (0.4 s) reads steps 16..25: from 80 ms before its time to 120 ms after.
    assert steps[10].tolist() == [float(s + 1) for s in range(16, 26)]
    # The first frame starts before the audio: zeros; the last runs past its end: zeros.
    assert steps[0].tolist() == [0.0] * 4 + [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert steps[74].tolist()[-2:] == [0.0, 0.0]


def test_the_steps_of_a_frame_come_state_by_state():
    features = np.arange(20 * 3 * 2, dtype=np.float32).reshape(20, 3, 2)
    window = audio.frame_windows(features, 25.0, [5])[0]
    assert np.array_equal(window[:3], features[6])  # first step of frame 5: 10 - 4
    assert np.array_equal(window[3:6], features[7])


@pytest.mark.parametrize("fps", [24.0, 25.0, 30.0])
def test_frames_at_any_rate_follow_the_audio_clock(fps):
    features = numbered_features(500)
    windows = audio.frame_windows(features, fps, np.arange(int(fps * 9)))
    centre = windows[:, 4 * 3, 0] - 1  # the step at the frame's time
    assert np.abs(centre - np.arange(len(windows)) * 50 / fps).max() <= 0.5


def test_position_codes_are_sinusoids_of_the_token_index():
    codes = audio.position_codes(50, 32)
    assert codes.shape == (50, 32)
    assert np.allclose(codes[:, 0], np.sin(np.arange(50)))
    assert np.allclose(codes[:, 1], np.cos(np.arange(50)))
    assert np.allclose(codes[0, 1::2], 1.0) and np.allclose(codes[0, 0::2], 0.0)
