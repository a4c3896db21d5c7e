"""Submitting jobs: the contract's bodies, validation, who pays, idempotency, address checks."""

import pytest
from rest_framework.test import APIClient

from generation.models import Job
from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account

BRIEF_WEBHOOK_EXAMPLE = {
    "webhook": "https://your-app.example.com/webhooks/lipsync",
    "formState": {
        "image": "https://example.com/portrait.jpg",
        "audio": "https://example.com/speech.mp3",
        "resolution": "720p",
        "seed": 42,
    },
}


def _post(client, mode: str, body, **headers):
    return client.post(f"/api/v1/{mode}", body, format="json", **headers)


@pytest.mark.django_db
def test_the_briefs_example_is_accepted_verbatim(api, public_dns):
    response = _post(api, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE)
    assert response.status_code == 202
    body = response.json()
    assert body == {"id": body["id"], "status": "processing"}
    assert response["Location"] == f"/api/v1/jobs/{body['id']}"
    job = Job.objects.get(pk=body["id"])
    assert (job.ledger, job.model, job.webhook) == (
        "api", "lipsync-image", "https://your-app.example.com/webhooks/lipsync")
    assert job.form_state["seed"] == 42 and job.form_state["resolution"] == "720p"

    polled = api.get(response["Location"]).json()
    assert polled["status"] == "processing" and polled["output"] is None
    assert polled["executionTime"] is None and polled["timings"] is None
    assert polled["model"] == "lipsync-image" and polled["error"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("mode, form_state", [
    ("lipsync-video", {"video": "https://example.com/a.mp4", "audio": "https://example.com/a.mp3"}),
    ("lipsync-image-multi", {"image": "https://example.com/two.png",
                             "left_audio": "https://example.com/l.wav",
                             "right_audio": "https://example.com/r.wav", "order": "left_right"}),
])
def test_the_other_modes_accept_their_fields(api, public_dns, mode, form_state):
    response = _post(api, mode, {"formState": form_state})
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["id"]).model == mode


@pytest.mark.django_db
@pytest.mark.parametrize("mode, form_state, field, says", [
    ("lipsync-image", {"audio": "https://example.com/a.mp3"}, "formState.image", "required"),
    ("lipsync-video", {"video": "https://example.com/v.mp4"}, "formState.audio", "required"),
    ("lipsync-image-multi", {"image": "https://example.com/i.png",
                             "left_audio": "https://example.com/l.wav"},
     "formState.right_audio", "required"),
    ("lipsync-image", {"image": "https://example.com/i.png", "audio": "https://example.com/a.mp3",
                       "resolutoin": "720p"}, "formState.resolutoin", "Unknown field"),
    ("lipsync-image", {"image": "ftp://example.com/i.png", "audio": "https://example.com/a.mp3"},
     "formState.image", "http or https"),
    ("lipsync-image", {"image": "not a url", "audio": "https://example.com/a.mp3"},
     "formState.image", "http or https"),
    ("lipsync-image", {"image": "https://example.com/i.png", "audio": "https://example.com/a.mp3",
                       "resolution": "1080p"}, "formState.resolution", "not a valid choice"),
    ("lipsync-image-multi", {"image": "https://example.com/i.png",
                             "left_audio": "https://example.com/l.wav",
                             "right_audio": "https://example.com/r.wav", "order": "random"},
     "formState.order", "not a valid choice"),
    ("lipsync-image", {"image": "https://example.com/i.png", "audio": "https://example.com/a.mp3",
                       "seed": "abc"}, "formState.seed", "valid integer"),
    ("lipsync-image", {"image": "https://example.com/i.png", "audio": "https://example.com/a.mp3",
                       "seed": 4.5}, "formState.seed", "valid integer"),
    ("lipsync-image", {"image": "https://example.com/i.png", "audio": "https://example.com/a.mp3",
                       "prompt": "x" * 2001}, "formState.prompt", "2000 characters"),
    ("lipsync-image", {"image": "https://example.com/i.png", "video": "https://example.com/v.mp4",
                       "audio": "https://example.com/a.mp3"}, "formState.video", "Unknown field"),
])
def test_invalid_form_state_is_400_naming_the_field(api, public_dns, mode, form_state, field,
                                                    says):
    response = _post(api, mode, {"formState": form_state})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert field in body["fields"]
    assert says in " ".join(body["fields"][field])
    assert body["error"].startswith(field)
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_missing_form_state_and_non_json_bodies_are_400(api):
    missing = _post(api, "lipsync-image", {"webhook": "https://example.com/h"}).json()
    assert "formState" in missing["fields"]
    garbage = api.post("/api/v1/lipsync-image", "{not json", content_type="application/json")
    assert garbage.status_code == 400 and garbage.json()["code"] == "invalid_request"
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_webhook_must_be_https_unless_the_operator_allows_http(api, public_dns, settings):
    body = {**BRIEF_WEBHOOK_EXAMPLE, "webhook": "http://your-app.example.com/hook"}
    settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS = False
    response = _post(api, "lipsync-image", body)
    assert response.status_code == 400
    assert "https" in response.json()["fields"]["webhook"][0]
    settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS = True
    assert _post(api, "lipsync-image", body).status_code == 202


@pytest.mark.django_db
@pytest.mark.parametrize("url, says", [
    ("http://10.0.0.5/face.png", "private network"),
    ("http://127.0.0.1:8000/face.png", "loopback"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[::ffff:127.0.0.1]/face.png", "loopback"),
    ("http://internal.test/face.png", "loopback"),  # a DNS name that resolves to 127.0.0.1
])
def test_private_network_urls_are_refused_at_once(api, public_dns, resolve_to_loopback, url,
                                                  says, settings):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = False
    resolve_to_loopback("internal.test")
    response = _post(api, "lipsync-image", {"formState": {
        "image": url, "audio": "https://example.com/a.mp3"}})
    assert response.status_code == 400
    assert says in response.json()["fields"]["formState.image"][0]
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_private_webhook_target_is_refused(api, public_dns, settings):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = False
    response = _post(api, "lipsync-image", {**BRIEF_WEBHOOK_EXAMPLE,
                                            "webhook": "https://192.168.1.10/hook"})
    assert response.status_code == 400
    assert "private network" in response.json()["fields"]["webhook"][0]


@pytest.mark.django_db
def test_402_below_the_minimum_price_and_no_job(owner, public_dns):
    funded_account(owner, "api", 19)  # 720p minimum: 5 s x 4 = 20
    client = key_client(owner)
    response = _post(client, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE)
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "insufficient_credits"
    assert "20 API credits" in body["error"] and "19 available" in body["error"]
    assert not Job.objects.exists()
    # The same balance is enough at 480p (minimum 10).
    low = {"formState": {**BRIEF_WEBHOOK_EXAMPLE["formState"], "resolution": "480p"}}
    assert _post(client, "lipsync-image", low).status_code == 202


@pytest.mark.django_db
def test_user_credits_do_not_pay_for_api_calls(owner, public_dns):
    funded_account(owner, "user", 1000)
    response = _post(key_client(owner), "lipsync-image", BRIEF_WEBHOOK_EXAMPLE)
    assert response.status_code == 402
    assert "API credits" in response.json()["error"]


@pytest.mark.django_db
def test_browser_session_calls_spend_user_credits_and_need_csrf(owner, public_dns):
    funded_account(owner, "user", 1000)
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert _post(browser, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE).status_code == 403

    # The token a dashboard page hands its scripts (cookie + X-CSRFToken header).
    csrf = browser.get("/keys/").cookies["csrftoken"].value
    response = _post(browser, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["id"]).ledger == "user"


@pytest.mark.django_db
def test_idempotency_key_replays_the_same_job_and_conflicts_on_another_body(api, public_dns):
    first = _post(api, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE, HTTP_IDEMPOTENCY_KEY="order-7")
    again = _post(api, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE, HTTP_IDEMPOTENCY_KEY="order-7")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert Job.objects.count() == 1

    other = {"formState": {**BRIEF_WEBHOOK_EXAMPLE["formState"], "seed": 7}}
    conflict = _post(api, "lipsync-image", other, HTTP_IDEMPOTENCY_KEY="order-7")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_conflict"
    assert Job.objects.count() == 1


@pytest.mark.django_db
def test_idempotency_keys_are_per_account(api, outsider, public_dns):
    funded_account(outsider, "api", 100)
    first = _post(api, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE, HTTP_IDEMPOTENCY_KEY="k1")
    theirs = _post(key_client(outsider), "lipsync-image", BRIEF_WEBHOOK_EXAMPLE,
                   HTTP_IDEMPOTENCY_KEY="k1")
    assert theirs.status_code == 202 and theirs.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_submissions_have_their_own_rate_limit(api, public_dns, settings):
    settings.LIPSYNC_RATE_LIMITS = {"submit": "2/min", "api": "600/min"}
    for _ in range(2):
        assert _post(api, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE).status_code == 202
    limited = _post(api, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE)
    assert limited.status_code == 429 and "Retry-After" in limited
    assert Job.objects.count() == 2
    assert api.get("/api/v1/jobs").status_code == 200  # other requests still pass


@pytest.mark.django_db(transaction=True)
def test_redis_down_at_submit_answers_503_and_leaves_no_job(api, public_dns, monkeypatch):
    from django_rq import settings as rq_settings

    # The queue's Redis refuses connections (stopped, or unreachable) after the row committed.
    monkeypatch.setitem(rq_settings.QUEUES, "fetch", {"URL": "redis://127.0.0.1:1/0"})
    response = _post(api, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE)
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "service_unavailable" and "no job was created" in body["error"]
    assert not Job.objects.exists()
    assert api.get("/api/v1/balance").json()["held"] == 0


@pytest.mark.django_db
def test_redis_down_for_the_rate_limits_answers_503_in_json(api, public_dns, settings):
    # The rate limits count in Redis (apikeys/throttling.py), as the cache does.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    response = _post(api, "lipsync-image", BRIEF_WEBHOOK_EXAMPLE)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert not Job.objects.exists()
