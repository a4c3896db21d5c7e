"""Reading, listing and cancelling jobs; owner scoping."""

import pytest

from generation.models import Job, Status
from generation.services import job_claim
from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account

IMAGE_JOB = {"formState": {"image": "https://example.com/p.png",
                           "audio": "https://example.com/s.mp3"}}


def _submit(client, mode="lipsync-image", body=IMAGE_JOB):
    return client.post(f"/api/v1/{mode}", body, format="json").json()["id"]


@pytest.mark.django_db
def test_another_accounts_job_is_404_for_read_and_cancel(api, outsider, public_dns):
    job_id = _submit(api)
    funded_account(outsider, "api", 100)
    intruder = key_client(outsider)
    for response in (intruder.get(f"/api/v1/jobs/{job_id}"),
                     intruder.post(f"/api/v1/jobs/{job_id}/cancel")):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Job.objects.get(pk=job_id).status == Status.QUEUED
    assert api.get(f"/api/v1/jobs/{job_id}").status_code == 200


@pytest.mark.django_db
def test_unknown_job_is_404(api):
    response = api.get("/api/v1/jobs/550e8400-e29b-41d4-a716-446655440000")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_list_is_newest_first_paginated_and_filtered(api, outsider, public_dns):
    ids = [_submit(api) for _ in range(3)]
    video_id = _submit(api, "lipsync-video", {"formState": {
        "video": "https://example.com/v.mp4", "audio": "https://example.com/a.mp3"}})
    funded_account(outsider, "api", 100)
    _submit(key_client(outsider))

    page = api.get("/api/v1/jobs?limit=2").json()
    assert [job["id"] for job in page["results"]] == [video_id, ids[2]]
    rest = api.get(page["next"]).json()
    assert [job["id"] for job in rest["results"]] == [ids[1], ids[0]]
    assert rest["next"] is None

    videos = api.get("/api/v1/jobs?model=lipsync-video").json()["results"]
    assert [job["id"] for job in videos] == [video_id]
    Job.objects.filter(pk=ids[0]).update(status=Status.FAILED, error="x")
    failed = api.get("/api/v1/jobs?status=failed").json()["results"]
    assert [job["id"] for job in failed] == [ids[0]]
    assert len(api.get("/api/v1/jobs?status=processing").json()["results"]) == 3
    bad = api.get("/api/v1/jobs?status=done")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]


@pytest.mark.django_db
def test_cancel_a_queued_job_fails_it_at_once(api, public_dns):
    job_id = _submit(api)
    response = api.post(f"/api/v1/jobs/{job_id}/cancel")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "failed" and "cancelled" in body["error"]
    assert api.get("/api/v1/balance").json()["available"] == 1000


@pytest.mark.django_db
def test_cancel_a_running_job_flags_it_for_its_worker(api, public_dns):
    job_id = _submit(api)
    assert job_claim(job_id=job_id)
    body = api.post(f"/api/v1/jobs/{job_id}/cancel").json()
    assert body["status"] == "processing"
    assert Job.objects.get(pk=job_id).cancel_requested_at is not None


@pytest.mark.django_db
def test_cancel_a_completed_job_is_refused(api, public_dns):
    job_id = _submit(api)
    Job.objects.filter(pk=job_id).update(status=Status.COMPLETED)
    response = api.post(f"/api/v1/jobs/{job_id}/cancel")
    assert response.status_code == 409 and response.json()["code"] == "job_finished"


@pytest.mark.django_db
def test_openapi_schema_documents_the_endpoints_and_errors(client):
    schema = client.get("/api/v1/openapi.json", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in ("/api/v1/lipsync-video", "/api/v1/lipsync-image", "/api/v1/lipsync-image-multi",
                 "/api/v1/jobs/{job_id}", "/api/v1/jobs", "/api/v1/jobs/{job_id}/cancel",
                 "/api/v1/balance", "/api/v1/uploads"):
        assert path in paths, path
    responses = paths["/api/v1/lipsync-image"]["post"]["responses"]
    assert {"202", "400", "401", "402", "409", "429"} <= set(responses)
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_the_api_guide_shows_the_briefs_examples_in_three_languages(client, settings):
    settings.SITE_URL = "https://lipsync.example.org"
    page = client.get("/docs/").content.decode()
    assert "curl -X POST https://lipsync.example.org/api/v1/lipsync-image" in page
    assert "import requests" in page and "import express from 'express'" in page
    assert "Authorization: Bearer sk_XXXX_YYYY" in page
    assert "/api/docs/" in page
