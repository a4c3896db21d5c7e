"""The default engine behind the API: a real face and real speech through a real worker."""

import av
import pytest

from generation.models import Job
from tests.generation.api_support import grant, key_client
from tests.worker import run_burst_worker


def _upload(client, path):
    with open(path, "rb") as handle:
        response = client.post("/api/v1/uploads", {"file": handle}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_portrait_job_is_lip_synced_by_the_default_engine(owner, face_image, short_speech,
                                                            settings, tmp_path):
    settings.LIPSYNC_ENGINE = "lipsync"
    grant(owner, "api", 1000)
    api = key_client(owner)
    image = _upload(api, face_image)
    audio = _upload(api, short_speech)
    submitted = api.post("/api/v1/lipsync-image", {"formState": {
        "image": image["url"], "audio": audio["url"], "resolution": "480p", "seed": 7}},
        format="json")
    assert submitted.status_code == 202

    result = run_burst_worker("gpu", timeout=300)
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
