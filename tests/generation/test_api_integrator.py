"""The API as an integrator meets it (issue 18): JSON errors everywhere under /api/, null for
absent fields, what a job was charged, estimates and 402 before any work, deleting a job's
files, usage per key. Each test calls with a real API key, as an owner and as an outsider."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from generation.models import Job
from tests.apikeys.factories import key_client, make_key
from tests.billing.factories import funded_account
from tests.generation.factories import make_completed_job, make_failed_job, make_running_job
from tests.media_intake.factories import make_audio, make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "http://testserver"


def _upload(client, path, kind=None) -> str:
    with open(path, "rb") as handle:
        body = {"file": handle, **({"kind": kind} if kind else {})}
        response = client.post("/api/v1/uploads", body, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["url"]


# --- 1. JSON everywhere under /api/ ------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/nonexistent"), ("get", "/api/v1/jobs/not-a-uuid"),
    ("post", "/api/v1/jobs/not-a-uuid/cancel"), ("delete", "/api/v1/uploads/123"),
    ("get", "/api/v2/jobs"),
])
def test_unknown_paths_and_malformed_ids_answer_the_json_404(api, settings, debug, method,
                                                              path):
    settings.DEBUG = debug  # `make run`: Django would list every URL pattern in HTML
    response = getattr(api, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found" and path in response.json()["error"]


def test_a_wrong_method_answers_the_json_405(api):
    response = api.put("/api/v1/jobs", {}, format="json")
    assert response.status_code == 405 and response["Allow"]
    assert response.json() == {"error": 'Method "PUT" not allowed.', "code": "method_not_allowed"}


def test_the_schema_is_json_at_its_name(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


# --- 2. null means absent ----------------------------------------------------------------------


def test_null_in_every_optional_field_means_absent(api, public_dns):
    response = api.post("/api/v1/lipsync-image-multi", {
        "webhook": None, "formState": {
            "image": "https://example.com/two.png", "left_audio": "https://example.com/l.mp3",
            "right_audio": "https://example.com/r.mp3", "mask_image": None, "prompt": None,
            "seed": None, "order": None, "resolution": None}}, format="json")
    assert response.status_code == 202, response.json()
    job = Job.objects.get(pk=response.json()["id"])
    assert job.webhook == "" and "mask_image" not in job.form_state
    assert job.form_state["order"] == "meanwhile" and job.form_state["resolution"] == "480p"
    assert job.form_state["prompt"] == "" and job.form_state["seed"] is None


def test_null_for_a_required_field_is_still_refused(api, public_dns):
    response = api.post("/api/v1/lipsync-image", {"formState": {
        "image": "https://example.com/face.png", "audio": None}}, format="json")
    assert response.status_code == 400 and "formState.audio" in response.json()["fields"]


# --- 3 and 4. errorCode, credits charged, expiresAt --------------------------------------------


def test_a_failed_job_shows_its_code_and_charged_nothing(owner, media_in_tmp):
    job = make_failed_job(owner, ledger="api", error_code="no_face", error_input="image",
                          error="formState.image has no face we can find.")
    body = key_client(owner).get(f"/api/v1/jobs/{job.id}").json()
    assert body["errorCode"] == "no_face" and body["credits"] == 0
    assert body["error"] == "formState.image has no face we can find."
    assert body["expiresAt"] is None and job.credits == 10  # the price it would have had


def test_a_completed_job_says_when_its_output_expires(owner, media_in_tmp):
    job = make_completed_job(owner, ledger="api", credits=20)
    body = key_client(owner).get(f"/api/v1/jobs/{job.id}").json()
    assert body["credits"] == 20 and body["errorCode"] is None
    assert body["expiresAt"] == job.output_expires_at.isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def test_the_job_page_words_the_failure_in_the_readers_language(owner, media_in_tmp):
    job = make_failed_job(owner, error_code="no_face", error_input="image",
                          error="formState.image has no face we can find.")
    browser = Client()
    browser.force_login(owner)
    assert _job_error(browser, job).startswith("We could not find a face in the image.")
    browser.cookies["django_language"] = "pt-br"
    assert _job_error(browser, job).startswith("Não encontramos um rosto: verifique a imagem")
    failure = browser.get(f"/studio/jobs/{job.id}/failure/").json()
    assert failure["message"].startswith("Não encontramos um rosto")


def _job_error(browser, job) -> str:
    html = browser.get(f"/studio/jobs/{job.id}/").content.decode()
    return html.split('id="job-error"')[1].split(">", 1)[1].split("</p>")[0]


def test_the_dashboard_shows_zero_credits_for_a_failed_job(owner, media_in_tmp):
    make_failed_job(owner)
    browser = Client()
    browser.force_login(owner)
    html = browser.get("/dashboard/").content.decode()
    row = html.split('id="recent-jobs"')[1].split("</tr>")[1]
    assert "<td>0</td>" in row and "<td>10</td>" not in row


# --- 7 and 8. estimate, 402 up front -----------------------------------------------------------


def test_estimate_of_uploaded_inputs_uses_their_lengths(api, media, media_in_tmp):
    video = _upload(api, make_video(media.root / "eight.mp4", 8))
    audio = _upload(api, make_audio(media.root / "twelve.wav", 12))
    response = api.post("/api/v1/estimate", {"model": "lipsync-video", "formState": {
        "video": video, "audio": audio, "resolution": "720p"}}, format="json")
    assert response.status_code == 200, response.json()
    # The audio is longer: the video is extended, billed on its 8 s: 8 x 4 credits.
    assert response.json() == {"model": "lipsync-video", "seconds": 8, "credits": 32,
                               "available": 1000}
    assert Job.objects.count() == 0


def test_estimate_probes_url_inputs_like_a_job(api, settings, media, media_server):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = True
    audio = media_server.serve_file("/voice.wav", media.audio_wav, "audio/wav")  # 1.5 s
    response = api.post("/api/v1/estimate", {"model": "lipsync-image", "formState": {
        "image": media_server.serve_file("/f.png", media.image_png, "image/png"),
        "audio": audio}}, format="json")
    assert response.json() == {"model": "lipsync-image", "seconds": 5, "credits": 10,
                               "available": 1000}


def test_estimate_names_an_unusable_input(api, settings, media, media_server):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = True
    response = api.post("/api/v1/estimate", {"model": "lipsync-image", "formState": {
        "image": media_server.serve_file("/f.png", media.image_png, "image/png"),
        "audio": media_server.status("/a.wav", 404)}},
        format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["formState.audio"]


def test_estimate_needs_a_model(api):
    response = api.post("/api/v1/estimate", {"formState": {}}, format="json")
    assert response.status_code == 400 and "model" in response.json()["fields"]


def test_a_submit_whose_known_price_is_above_the_balance_answers_402(owner, media,
                                                                     media_in_tmp):
    funded_account(owner, "api", 30)  # enough for the minimum (10), not for 24 s at 480p (48)
    client = key_client(owner)
    image = _upload(client, media.image_png)
    audio = _upload(client, make_audio(media.root / "long.wav", 24))
    response = client.post("/api/v1/lipsync-image", {"formState": {
        "image": image, "audio": audio}}, format="json")
    assert response.status_code == 402
    assert response.json() == {"code": "insufficient_credits", "error":
                               "This job costs 48 API credits; 30 available. Buy credits on "
                               "the billing page."}
    assert Job.objects.count() == 0
    assert client.get("/api/v1/balance").json()["held"] == 0


# --- 10. DELETE a job's files ------------------------------------------------------------------


def test_delete_removes_the_output_and_keeps_the_job(owner, outsider, media_in_tmp):
    job = make_completed_job(owner, ledger="api")
    client = key_client(owner)
    output = client.get(f"/api/v1/jobs/{job.id}").json()["output"]
    assert Client().get(output).status_code == 200

    assert key_client(outsider).delete(f"/api/v1/jobs/{job.id}").status_code == 404
    response = client.delete(f"/api/v1/jobs/{job.id}")

    assert response.status_code == 204 and response.content == b""
    body = client.get(f"/api/v1/jobs/{job.id}").json()
    assert body["status"] == "completed" and body["output"] is None and body["expiresAt"] is None
    assert Client().get(output).status_code == 404


def test_delete_of_a_running_job_is_refused_with_409(owner):
    job = make_running_job(owner, ledger="api")
    response = key_client(owner).delete(f"/api/v1/jobs/{job.id}")
    assert response.status_code == 409 and response.json()["code"] == "job_not_finished"


# --- 11. usage -----------------------------------------------------------------------------------


def test_usage_by_day_and_by_key_counts_settled_captures(owner, outsider, media_in_tmp):
    key, _ = make_key(owner, name="backend")
    job = make_completed_job(owner, ledger="api", credits=20)
    Job.objects.filter(pk=job.pk).update(api_key=key)
    make_failed_job(owner, ledger="api")  # released: spends nothing
    make_completed_job(outsider, ledger="api", credits=40)
    client = key_client(owner)
    today = timezone.now().date()

    by_day = client.get(f"/api/v1/usage?from={today - timedelta(days=6)}&to={today}").json()
    by_key = client.get("/api/v1/usage?group_by=key").json()

    assert by_day["data"] == [{"day": today.isoformat(), "credits": 20, "seconds": 2.0,
                               "jobs": 1}]
    assert by_key["data"] == [{"key": key.key_id, "credits": 20, "seconds": 2.0, "jobs": 1}]
    assert client.get("/api/v1/usage?group_by=week").status_code == 400


def test_the_dashboard_charts_api_usage_per_day_and_lists_it_per_key(owner, media_in_tmp):
    key, _ = make_key(owner)
    job = make_completed_job(owner, ledger="api", credits=20)
    Job.objects.filter(pk=job.pk).update(api_key=key)
    browser = Client()
    browser.force_login(owner)
    html = browser.get("/dashboard/").content.decode()
    usage = html.split('id="api-usage"')[1].split("</section>")[0]
    assert usage.count('class="usage-bar"') == 30
    assert f'data-day="{timezone.now().date()}" data-credits="20"' in usage
    assert f"sk_{key.key_id}_" in usage and "<td>20</td>" in usage
