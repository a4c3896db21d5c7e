"""POST /api/v1/uploads: checked like fetched inputs, usable in formState without a fetch."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

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


@pytest.mark.django_db
def test_an_upload_is_served_as_an_attachment_never_sniffed(api, media):
    upload_id = _upload(api, media.image_png).json()["id"]
    response = api.get(f"/api/v1/uploads/{upload_id}")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_uploads_stop_at_the_accounts_quota_with_a_clear_413(api, media, settings):
    size = media.image_png.stat().st_size
    settings.LIPSYNC_UPLOAD_QUOTA_BYTES = size * 2 + 10
    assert _upload(api, media.image_png).status_code == 201
    assert _upload(api, media.image_png).status_code == 201
    response = _upload(api, media.image_png)
    assert response.status_code == 413
    assert "upload quota of" in response.json()["error"]
    assert Upload.objects.count() == 2


@pytest.mark.django_db
def test_an_account_without_credits_cannot_upload(outsider, media):
    client = key_client(outsider)  # a key, but no credits on either ledger
    response = _upload(client, media.image_png)
    assert response.status_code == 403
    assert "needs credits" in response.json()["error"]
    assert not Upload.objects.exists()

    funded_account(outsider, "user", 10)  # user credits count too
    assert _upload(client, media.image_png).status_code == 201


@pytest.mark.django_db
def test_uploads_are_deleted_after_the_retention_unless_a_job_waits_for_them(
        api, media, owner, settings):
    old, in_use, fresh = (_upload(api, media.audio_wav).json() for _ in range(3))
    Upload.objects.filter(pk__in=[old["id"], in_use["id"]]).update(
        created_at=timezone.now() - timedelta(days=settings.LIPSYNC_UPLOAD_RETENTION_DAYS + 1))
    Job.objects.create(owner=owner, ledger="api", model="lipsync-image",
                       form_state={"image": "https://example.com/p.png", "audio": in_use["url"],
                                   "resolution": "480p"})
    old_file = Upload.objects.get(pk=old["id"]).file.name

    call_command("purgeoutputs")

    assert set(Upload.objects.values_list("pk", flat=True).order_by()) == {
        Upload.objects.get(pk=in_use["id"]).pk, Upload.objects.get(pk=fresh["id"]).pk}
    assert not default_storage.exists(old_file)
    assert api.get(f"/api/v1/uploads/{old['id']}").status_code == 404
