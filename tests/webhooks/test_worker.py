"""Webhooks sent by real RQ worker processes, never by the process that finished the job."""

import io
import wave

import pytest
from PIL import Image
from standardwebhooks.webhooks import Webhook

from generation.models import Status
from generation.services import job_fail
from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account
from tests.webhooks.factories import LOCAL_WEBHOOKS_ENV, make_webhook_job, queued_attempts
from tests.worker import run_burst_worker
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services import signing_secret_get_or_create

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _run_worker(*queues: str):
    result = run_burst_worker(*queues, **LOCAL_WEBHOOKS_ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 200), "white").save(out, format="PNG")
    return out.getvalue()


def _wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as track:
        track.setnchannels(1)
        track.setsampwidth(2)
        track.setframerate(rate)
        track.writeframes(b"\x00\x10" * int(seconds * rate))
    return out.getvalue()


def test_a_job_completed_by_a_worker_is_posted_by_a_webhooks_worker(owner, local_webhooks):
    funded_account(owner, "api", 1000)
    api = key_client(owner)
    hook = local_webhooks.script("/hook", 200)
    submitted = api.post("/api/v1/lipsync-image", {"webhook": hook, "formState": {
        "image": local_webhooks.serve("/face.png", _png(), "image/png"),
        "audio": local_webhooks.serve("/voice.wav", _wav(), "audio/wav"),
    }}, format="json")
    assert submitted.status_code == 202, submitted.content

    _run_worker("fetch", "gpu")  # the job completes; its signal queues the delivery, not sent
    assert local_webhooks.received() == [] and queued_attempts() == 1
    _run_worker("webhooks")

    [request] = local_webhooks.received()
    job_id = submitted.json()["id"]
    api_body = api.get(f"/api/v1/jobs/{job_id}").content
    assert request.body == api_body and b'"status":"completed"' in api_body
    secret = signing_secret_get_or_create(owner=owner).secret
    assert Webhook(secret).verify(request.body, request.headers)["id"] == job_id
    delivery = Delivery.objects.get(job_id=job_id)
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempt_count == 1


def test_a_worker_retries_until_the_receiver_accepts(owner, local_webhooks):
    """A job cancelled in a web request: the request only queues the delivery."""
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", 503, 200),
                           status=Status.QUEUED)
    job_fail(job_id=job.id, error="This job was cancelled; its credits were released.")
    assert local_webhooks.received() == [] and queued_attempts() == 1

    _run_worker("webhooks")

    delivery = Delivery.objects.get(job=job)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [(a.number, a.status_code) for a in delivery.attempts.all()] == [(1, 503), (2, 200)]
    first, second = local_webhooks.received()
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body == key_client(owner).get(f"/api/v1/jobs/{job.id}").content
