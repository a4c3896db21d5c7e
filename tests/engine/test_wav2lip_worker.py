"""The wav2lip engine behind the API: real worker processes decide the engine when they start."""

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the wav2lip engine's)")
pytest.importorskip("mediapipe", reason="mediapipe is not installed")

from generation.engine.wav2lip import Wav2Lip  # noqa: E402
from generation.engine.wav2lip.model import public_state_dict  # noqa: E402
from tests.engine.conftest import _speech  # noqa: E402
from tests.generation.api_support import grant, key_client  # noqa: E402
from tests.worker import run_burst_worker  # noqa: E402

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FALLBACK_LINE = ("LIPSYNC_ENGINE=wav2lip needs LIPSYNC_WAV2LIP_CHECKPOINT=/path/to/wav2lip.pth "
                 "(not set); this worker uses the default engine 'lipsync'.")


@pytest.fixture(scope="session")
def tiny_speech(media):
    return _speech(media, "tiny.wav", "Hi there.")


def _upload(client, path):
    with open(path, "rb") as handle:
        response = client.post("/api/v1/uploads", {"file": handle}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def _submit_portrait(owner, face_image, speech):
    grant(owner, "api", 1000)
    api = key_client(owner)
    submitted = api.post("/api/v1/lipsync-image", {"formState": {
        "image": _upload(api, face_image)["url"], "audio": _upload(api, speech)["url"],
        "resolution": "480p", "prompt": "which engine?"}}, format="json")
    assert submitted.status_code == 202
    return api, submitted["Location"]


def _engine_named_in(warnings):
    return [w for w in warnings if "not used by this engine" in w]


def test_a_worker_without_a_checkpoint_says_so_at_start_and_renders_with_the_default(
        owner, face_image, tiny_speech, settings):
    settings.LIPSYNC_ENGINE = "wav2lip"
    api, location = _submit_portrait(owner, face_image, tiny_speech)

    result = run_burst_worker("gpu", timeout=300, LIPSYNC_WAV2LIP_CHECKPOINT="")

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count(FALLBACK_LINE) == 1, result.stderr[-3000:]
    body = api.get(location).json()
    assert body["status"] == "completed", body
    assert _engine_named_in(body["warnings"]) == [
        "prompt was accepted but is not used by this engine (lipsync)."]


def test_a_worker_with_a_checkpoint_renders_with_wav2lip(owner, face_image, tiny_speech,
                                                          settings, tmp_path):
    checkpoint = tmp_path / "random.pth"
    torch.save(public_state_dict(Wav2Lip()), checkpoint)
    settings.LIPSYNC_ENGINE = "wav2lip"
    api, location = _submit_portrait(owner, face_image, tiny_speech)

    result = run_burst_worker("gpu", timeout=300, LIPSYNC_WAV2LIP_CHECKPOINT=str(checkpoint),
                              LIPSYNC_WAV2LIP_DEVICE="cpu")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "renders with the engine 'wav2lip'" in result.stderr
    body = api.get(location).json()
    assert body["status"] == "completed", body
    assert _engine_named_in(body["warnings"]) == [
        "prompt was accepted but is not used by this engine (wav2lip)."]
