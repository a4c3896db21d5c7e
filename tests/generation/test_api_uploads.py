"""POST /api/v1/uploads: checked like fetched inputs, usable in formState without a fetch."""

import pytest
from django.core.files.storage import default_storage

from generation.models import Job, Upload
from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account
from tests.worker import run_burst_worker


def _upload(client, path, kind=None):
    with open(path, "rb") as handle:
        data = {"file": handle, **({"kind": kind} if kind else {})}
        return client.post("/api/v1/uploads", data, format="multipart")


@pytest.mark.django_db
def test_upload_sniffs_the_kind_and_answers_a_usable_url(api, media, owner):
    response = _upload(api, media.audio_wav)
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "audio" and body["info"]["duration_s"] == pytest.approx(1.5, abs=0.05)
    assert body["url"].endswith(f"/api/v1/uploads/{body['id']}")
    upload = Upload.objects.get(pk=body["id"])
    assert upload.owner == owner and default_storage.exists(upload.file.name)
    # The owner can read it back; nobody else can.
    assert api.get(f"/api/v1/uploads/{body['id']}").status_code == 200


@pytest.mark.django_db
def test_outsider_cannot_read_an_upload(api, media, outsider):
    upload_id = _upload(api, media.image_png).json()["id"]
    funded_account(outsider, "api", 10)
    assert key_client(outsider).get(f"/api/v1/uploads/{upload_id}").status_code == 404


@pytest.mark.django_db
def test_a_non_media_file_is_refused_and_nothing_is_stored(api, media):
    response = _upload(api, media.text)
    assert response.status_code == 400
    assert response.json()["error"] == "file is not an image, audio or video file we can read."
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_a_file_that_is_not_the_declared_kind_is_refused(api, media):
    response = _upload(api, media.audio_wav, kind="image")
    assert response.status_code == 400
    assert response.json()["fields"]["file"]
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_over_the_kinds_cap_is_413(api, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\0" * 20_000_100)
    response = _upload(api, big, kind="image")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert "20 MB" in response.json()["error"]
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_a_body_larger_than_any_upload_is_refused_before_reading(api):
    response = api.post("/api/v1/uploads", b"x", content_type="multipart/form-data; boundary=x",
                        CONTENT_LENGTH=str(600 * 10**6))
    assert response.status_code == 413


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_uploaded_files_make_a_video_without_any_fetch(api, media, settings):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = False  # nothing is fetched over the network
    image_url = _upload(api, media.image_png).json()["url"]
    audio_url = _upload(api, media.audio_wav).json()["url"]
    submitted = api.post("/api/v1/lipsync-image", {"formState": {
        "image": image_url, "audio": audio_url}}, format="json")
    assert submitted.status_code == 202, submitted.json()
    result = run_burst_worker("fetch", "gpu")
    assert result.returncode == 0
    job = api.get(submitted["Location"]).json()
    assert job["status"] == "completed", job
    assert Upload.objects.count() == 2  # uploads outlive the job


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_someone_elses_upload_url_is_refused(api, media, outsider):
    funded_account(outsider, "api", 100)
    theirs = _upload(key_client(outsider), media.audio_wav).json()["url"]
    image_url = _upload(api, media.image_png).json()["url"]
    job_id = api.post("/api/v1/lipsync-image", {"formState": {
        "image": image_url, "audio": theirs}}, format="json").json()["id"]
    run_burst_worker("fetch", "gpu")
    job = Job.objects.get(pk=job_id)
    assert job.status == "failed"
    assert job.error.startswith("formState.audio names an upload that does not exist")
