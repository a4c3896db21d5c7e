"""The engines behind the API: a real face and real speech through real worker processes, which
decide their engine when they start (wav2lip without a checkpoint, musetalk without its folders,
fall back to the default)."""

import av
import pytest

from generation.models import Job
from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account
from tests.worker import run_burst_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MUSETALK_FALLBACK_LINE = ("LIPSYNC_ENGINE=musetalk needs LIPSYNC_MUSETALK_UNET=/path/to/musetalk "
                          "(not set); this worker uses the default engine 'lipsync'.")
FALLBACK_LINE = ("LIPSYNC_ENGINE=wav2lip needs LIPSYNC_WAV2LIP_CHECKPOINT=/path/to/wav2lip.pth "
                 "(not set); this worker uses the default engine 'lipsync'.")


def _upload(client, path):
    with open(path, "rb") as handle:
        response = client.post("/api/v1/uploads", {"file": handle}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_portrait_job_is_lip_synced_by_the_default_engine(owner, face_image, short_speech,
                                                            settings, tmp_path):
    settings.LIPSYNC_ENGINE = "lipsync"
    funded_account(owner, "api", 1000)
    api = key_client(owner)
    image = _upload(api, face_image)
    audio = _upload(api, short_speech)
    submitted = api.post("/api/v1/lipsync-image", {"formState": {
        "image": image["url"], "audio": audio["url"], "resolution": "480p", "seed": 7}},
        format="json")
    assert submitted.status_code == 202

    result = run_burst_worker("fetch", "gpu", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    body = api.get(submitted["Location"]).json()
    assert body["status"] == "completed", body
    assert not any("self-check" in warning for warning in body["warnings"]), body["warnings"]
    job = Job.objects.get(pk=body["id"])
    assert job.sync_report["r"] >= 0.5 and abs(job.sync_report["lag_frames"]) <= 1
    out = tmp_path / "out.mp4"
    from django.core.files.storage import default_storage

    out.write_bytes(default_storage.open(job.output, "rb").read())
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.height == 480
        duration = float(container.duration / av.time_base)
    assert duration == pytest.approx(audio["info"]["duration_s"], abs=0.1)


def _submit_portrait(owner, face_image, speech):
    funded_account(owner, "api", 1000)
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

    result = run_burst_worker("fetch", "gpu", timeout=300, LIPSYNC_WAV2LIP_CHECKPOINT="")

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count(FALLBACK_LINE) == 1, result.stderr[-3000:]
    body = api.get(location).json()
    assert body["status"] == "completed", body
    assert _engine_named_in(body["warnings"]) == [
        "prompt was accepted but is not used by this engine (lipsync)."]


def test_a_worker_with_a_checkpoint_renders_with_wav2lip(owner, face_image, tiny_speech,
                                                          settings, tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed (the wav2lip engine's)")
    from lipsync_engine.wav2lip import Wav2Lip
    from lipsync_engine.wav2lip.model import public_state_dict

    checkpoint = tmp_path / "random.pth"
    torch.save(public_state_dict(Wav2Lip()), checkpoint)
    settings.LIPSYNC_ENGINE = "wav2lip"
    api, location = _submit_portrait(owner, face_image, tiny_speech)

    result = run_burst_worker("fetch", "gpu", timeout=300,
                              LIPSYNC_WAV2LIP_CHECKPOINT=str(checkpoint),
                              LIPSYNC_WAV2LIP_DEVICE="cpu")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "renders with the engine 'wav2lip'" in result.stderr
    body = api.get(location).json()
    assert body["status"] == "completed", body
    assert _engine_named_in(body["warnings"]) == [
        "prompt was accepted but is not used by this engine (wav2lip)."]


def test_a_worker_without_the_musetalk_folders_says_so_at_start_and_renders_with_the_default(
        owner, face_image, tiny_speech, settings):
    settings.LIPSYNC_ENGINE = "musetalk"
    api, location = _submit_portrait(owner, face_image, tiny_speech)

    result = run_burst_worker("fetch", "gpu", timeout=300, LIPSYNC_MUSETALK_UNET="")

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count(MUSETALK_FALLBACK_LINE) == 1, result.stderr[-3000:]
    body = api.get(location).json()
    assert body["status"] == "completed", body
    assert _engine_named_in(body["warnings"]) == [
        "prompt was accepted but is not used by this engine (lipsync)."]


def test_a_worker_with_the_musetalk_folders_renders_with_musetalk(owner, face_image, tiny_speech,
                                                                  settings, tmp_path):
    pytest.importorskip("torch", reason="torch is not installed (the musetalk engine's)")
    pytest.importorskip("diffusers", reason="diffusers is not installed (the musetalk engine's)")
    pytest.importorskip("transformers", reason="transformers is not installed")
    from lipsync_engine.musetalk.random_weights import SMALL, write_folders

    unet, vae, whisper = write_folders(tmp_path, SMALL, seed=1)
    settings.LIPSYNC_ENGINE = "musetalk"
    api, location = _submit_portrait(owner, face_image, tiny_speech)

    result = run_burst_worker("fetch", "gpu", timeout=300, LIPSYNC_MUSETALK_UNET=str(unet),
                              LIPSYNC_MUSETALK_VAE=str(vae), LIPSYNC_MUSETALK_WHISPER=str(whisper),
                              LIPSYNC_MUSETALK_DEVICE="cpu")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "renders with the engine 'musetalk'" in result.stderr
    body = api.get(location).json()
    assert body["status"] == "completed", body
    assert _engine_named_in(body["warnings"]) == [
        "prompt was accepted but is not used by this engine (musetalk)."]
