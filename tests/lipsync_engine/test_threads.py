"""No wait on one of the engine's threads is unbounded."""

import threading

import pytest

from lipsync_engine.common import threads
from lipsync_engine.common.threads import Background, ThreadStuckError


def test_waiting_on_a_stuck_analysis_thread_gives_up_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(threads, "JOIN_TIMEOUT_S", 0.3)
    release = threading.Event()
    stuck = Background(lambda: release.wait(30))
    try:
        with pytest.raises(ThreadStuckError, match="did not finish within 0.3 s"):
            stuck.result()
    finally:
        release.set()
    assert stuck.result() is True
