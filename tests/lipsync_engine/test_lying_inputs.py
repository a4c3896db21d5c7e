"""Inputs that lie about their length: the engine decodes no more than was measured (and
billed), plus a small margin."""

import pytest

from lipsync_engine.common.pcm import decode_pcm
from media_intake.media import probe_audio
from tests.media_intake.factories import make_lying_matroska, make_lying_wav


def test_a_wav_whose_data_size_says_1_s_is_1_s_for_the_probe_and_the_engine(tmp_path):
    liar = make_lying_wav(tmp_path / "liar.wav", claimed_seconds=1, seconds=120)
    assert probe_audio(liar, "formState.audio").duration_s == pytest.approx(1.0)
    assert len(decode_pcm(liar)) == 16000  # what is rendered is what was billed


def test_the_engines_decoding_stops_at_its_limit(tmp_path):
    liar = make_lying_matroska(tmp_path / "liar.mka", claimed_seconds=1, seconds=120)
    assert len(decode_pcm(liar, max_seconds=2.0)) == 32000
