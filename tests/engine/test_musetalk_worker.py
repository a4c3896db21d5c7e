"""The musetalk engine behind the API: real worker processes decide the engine when they start."""

import pytest

pytest.importorskip("torch", reason="torch is not installed (the musetalk engine's)")
pytest.importorskip("diffusers", reason="diffusers is not installed (the musetalk engine's)")
pytest.importorskip("transformers", reason="transformers is not installed")
pytest.importorskip("mediapipe", reason="mediapipe is not installed")

from lipsync_engine.musetalk.random_weights import SMALL, write_folders  # noqa: E402
from tests.engine.test_wav2lip_worker import (  # noqa: E402
    _engine_named_in,
    _submit_portrait,
    tiny_speech,  # noqa: F401 (a fixture)
)
from tests.worker import run_burst_worker  # noqa: E402

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FALLBACK_LINE = ("LIPSYNC_ENGINE=musetalk needs LIPSYNC_MUSETALK_UNET=/path/to/musetalk "
                 "(not set); this worker uses the default engine 'lipsync'.")


def test_a_worker_without_the_folders_says_so_at_start_and_renders_with_the_default(
        owner, face_image, tiny_speech, settings):  # noqa: F811
    settings.LIPSYNC_ENGINE = "musetalk"
    api, location = _submit_portrait(owner, face_image, tiny_speech)

    result = run_burst_worker("gpu", timeout=300, LIPSYNC_MUSETALK_UNET="")

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count(FALLBACK_LINE) == 1, result.stderr[-3000:]
    body = api.get(location).json()
    assert body["status"] == "completed", body
    assert _engine_named_in(body["warnings"]) == [
        "prompt was accepted but is not used by this engine (lipsync)."]


def test_a_worker_with_the_folders_renders_with_musetalk(owner, face_image, tiny_speech,  # noqa: F811
                                                         settings, tmp_path):
    unet, vae, whisper = write_folders(tmp_path, SMALL, seed=1)
    settings.LIPSYNC_ENGINE = "musetalk"
    api, location = _submit_portrait(owner, face_image, tiny_speech)

    result = run_burst_worker("gpu", timeout=300, LIPSYNC_MUSETALK_UNET=str(unet),
                              LIPSYNC_MUSETALK_VAE=str(vae), LIPSYNC_MUSETALK_WHISPER=str(whisper),
                              LIPSYNC_MUSETALK_DEVICE="cpu")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "renders with the engine 'musetalk'" in result.stderr
    body = api.get(location).json()
    assert body["status"] == "completed", body
    assert _engine_named_in(body["warnings"]) == [
        "prompt was accepted but is not used by this engine (musetalk)."]
