"""A cold start imports only what the mode uses: no torch for the lipsync engine on a machine
without an NVIDIA driver, no matplotlib (mediapipe's drawing helpers) anywhere."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mediapipe", reason="mediapipe is not installed")

REPO = Path(__file__).resolve().parents[3]
SCRIPT = """
import json, sys
from pathlib import Path
from lipsync_engine import EngineRequest, get_engine
get_engine("lipsync").render(EngineRequest(mode="image", image=Path(sys.argv[1]),
                             audio=Path(sys.argv[2]), out_path=Path(sys.argv[3]), seed=1))
print(json.dumps({name: name in sys.modules for name in ("torch", "matplotlib")}))
"""


@pytest.mark.skipif(os.path.exists("/proc/driver/nvidia/version"),
                    reason="an NVIDIA driver is loaded: the warp may use torch there")
def test_an_image_render_imports_neither_torch_nor_matplotlib(tmp_path, face_image,
                                                              tiny_speech):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(face_image), str(tiny_speech),
                           str(tmp_path / "out.mp4")], cwd=REPO, capture_output=True,
                          text=True, timeout=300)

    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"torch": False,
                                                                "matplotlib": False}
