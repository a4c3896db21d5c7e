"""The network engines' shared settings and frame composition (common/batched.py)."""

from types import SimpleNamespace

import numpy as np
import pytest

from lipsync_engine import EngineError
from lipsync_engine.common import batched


def test_a_batch_setting_that_is_not_a_whole_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("LIPSYNC_MUSETALK_BATCH", "eight")

    with pytest.raises(EngineError) as caught:
        batched.whole_number("LIPSYNC_MUSETALK_BATCH")

    assert str(caught.value) == ("LIPSYNC_MUSETALK_BATCH must be a whole number of faces per "
                                 "batch, not 'eight'.")


def test_half_comes_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.delenv("LIPSYNC_MUSETALK_HALF", raising=False)
    assert batched.half_setting(None, "LIPSYNC_MUSETALK_HALF") is None
    monkeypatch.setenv("LIPSYNC_MUSETALK_HALF", "0")
    assert batched.half_setting(None, "LIPSYNC_MUSETALK_HALF") is False
    assert batched.half_setting(True, "LIPSYNC_MUSETALK_HALF") is True


def test_faces_are_pasted_only_inside_the_mask():
    source = np.zeros((4, 6, 3), np.uint8)
    mask = np.zeros((4, 6), bool)
    mask[:, :3] = True  # the left half may change
    prepared = SimpleNamespace(mask=mask, source_frame=lambda index: (source, 0))
    batch = SimpleNamespace(start=0, stop=2, items=[(1, 0, (0, 0, 6, 4))])

    def paste(frame, box, face, weights):
        frame[:] = face

    frames = list(batched.composed(prepared, batch, np.full((1, 4, 6, 3), 200, np.uint8),
                                   paste, {}))

    assert np.array_equal(frames[0][1], source)  # frame 0 shows no face
    assert (frames[1][1][:, :3] == 200).all() and (frames[1][1][:, 3:] == 0).all()
