"""A test engine for the worker processes (LIPSYNC_ENGINE="tests.generation.worker.gated_engine:
GatedEngine"): it says it started (a file), waits until the test opens its gate (another file),
then renders as the `still` engine. So a test can kill a worker surely in the middle of a render."""

import os
import time
from pathlib import Path

from lipsync_engine.still import StillEngine

TARGET = "tests.generation.worker.gated_engine:GatedEngine"


class GatedEngine(StillEngine):
    name = "gated"

    def render(self, request):
        Path(os.environ["LIPSYNC_TEST_ENGINE_STARTED"]).touch()
        gate = Path(os.environ["LIPSYNC_TEST_ENGINE_GATE"])
        while not gate.exists():
            time.sleep(0.05)
        return super().render(request)


def gated_engine_env(directory: Path) -> dict[str, str]:
    """The worker environment for this engine, with its two files under `directory`."""
    return {"LIPSYNC_ENGINE": TARGET,
            "LIPSYNC_TEST_ENGINE_STARTED": str(directory / "render-started"),
            "LIPSYNC_TEST_ENGINE_GATE": str(directory / "gate-open")}
