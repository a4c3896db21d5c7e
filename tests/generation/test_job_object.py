"""The job object has one rendering: GET /jobs/{id}, an item of GET /jobs, the webhook body and
the OpenAPI schema's JobObject all come from generation.serializers.JobObjectSerializer."""

import json

import pytest

from generation.models import Status
from tests.apikeys.factories import key_client
from tests.generation.factories import make_completed_job, make_failed_job
from webhooks.payloads import job_body


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def schema_of_job_object(client) -> dict:
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    return schema["components"]["schemas"]["JobObject"]


@pytest.mark.django_db
@pytest.mark.parametrize("make", [make_completed_job, make_failed_job])
def test_get_list_and_webhook_send_the_same_bytes(owner, media_in_tmp, make):
    job = make(owner, ledger="api")
    client = key_client(owner)

    detail = client.get(f"/api/v1/jobs/{job.id}")
    listed = client.get("/api/v1/jobs").json()["results"]

    assert detail.status_code == 200
    assert detail.content == job_body(job)
    assert listed == [json.loads(detail.content)]


@pytest.mark.django_db
def test_the_schema_describes_exactly_the_fields_sent(owner, media_in_tmp):
    job = make_completed_job(owner, ledger="api")
    body = json.loads(job_body(job))
    failed = json.loads(job_body(make_failed_job(owner, ledger="api")))
    schema = schema_of_job_object(key_client(owner))

    assert list(schema["properties"]) == list(body)
    assert body["status"] == Status.COMPLETED and body["output"].startswith("http")
    assert body["expiresAt"] and failed["expiresAt"] is None
    assert failed["errorCode"] == "input_not_media" and failed["credits"] == 0
    assert schema["properties"]["errorCode"]["nullable"] is True
    assert "no_face" in json.dumps(schema["properties"]["errorCode"])
    for name in [name for name, value in failed.items() if value is None]:
        assert schema["properties"][name].get("nullable") is True, name
