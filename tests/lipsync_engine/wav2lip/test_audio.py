"""The Wav2Lip audio front end (numpy): filterbank, mel spectrogram, windows per video frame."""

import numpy as np
import pytest

from lipsync_engine.wav2lip import audio


def tone(hz: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(audio.SAMPLE_RATE * seconds)) / audio.SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_the_filterbank_is_slaneys_80_bands_from_55_to_7600_hz():
    bank = audio.mel_filterbank()
    assert bank.shape == (80, 401)
    assert (bank >= 0).all()
    # Slaney scale: linear below 1 kHz, 3 mel per 200 Hz; log above (6.4x per 27 mel).
    assert audio.hz_to_mel(1000.0) == pytest.approx(15.0)
    assert audio.hz_to_mel(6400.0) == pytest.approx(42.0)
    assert audio.mel_to_hz(audio.hz_to_mel(3210.0)) == pytest.approx(3210.0)
    # Band edges: the first band starts at 55 Hz, the last one ends at 7600 Hz.
    hz = np.linspace(0, 8000, 401)
    assert hz[bank[0] > 0].min() >= 55 and hz[bank[-1] > 0].max() <= 7600
    # norm='slaney': each triangle has area 1 in Hz: sum(weights) * bin width ~ 1 per band
    # (bands narrower than a bin are too coarse to tell).
    areas = bank.sum(axis=1) * (hz[1] - hz[0])
    assert np.allclose(areas[40:], 1.0, atol=0.05)


def test_preemphasis_is_a_first_difference():
    assert np.allclose(audio.preemphasis(np.array([1.0, 1.0, 2.0])), [1.0, 0.03, 1.03])


def test_a_pure_tone_lands_in_its_band_and_the_range_is_minus_4_to_4():
    mel = audio.melspectrogram(tone(1000.0, 1.0))
    assert mel.shape == (80, 81)  # 80 frames per second, centred frames: n // 200 + 1
    assert mel.min() >= -4 and mel.max() <= 4
    centres = audio.mel_to_hz(np.linspace(audio.hz_to_mel(55), audio.hz_to_mel(7600), 82))[1:-1]
    loudest = int(np.argmax(mel[:, 40]))
    assert abs(centres[loudest] - 1000.0) < 60
    assert mel[loudest, 40] > mel[:, 40].mean() + 3


def test_silence_is_the_floor_and_a_silence_window_matches_it():
    mel = audio.melspectrogram(np.zeros(8000, np.float32))
    assert (mel == -4).all()
    assert (audio.silence_window() == -4).all() and audio.silence_window().shape == (80, 16)


def test_one_window_of_16_mel_frames_per_video_frame():
    mel = audio.melspectrogram(tone(440.0, 2.0))  # 161 mel frames
    windows = audio.mel_windows(mel, 25.0, 50)
    assert windows.shape == (50, 80, 16)
    assert np.array_equal(windows[1], mel[:, 3:19])  # int(1 * 80 / 25) = 3
    assert np.array_equal(windows[10], mel[:, 32:48])
    assert np.array_equal(windows[-1], mel[:, -16:])  # clamped at the end
    at_30 = audio.mel_windows(mel, 30.0, 60)
    assert np.array_equal(at_30[3], mel[:, 8:24])  # int(3 * 80 / 30) = 8


def test_audio_shorter_than_a_window_is_padded_with_silence():
    windows = audio.mel_windows(audio.melspectrogram(tone(300.0, 0.05)), 25.0, 2)
    assert windows.shape == (2, 80, 16)
    assert (windows[:, :, -1] == -4).all()
