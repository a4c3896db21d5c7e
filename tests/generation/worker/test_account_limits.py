"""Abuse limits, with real worker processes: an account runs at most
LIPSYNC_MAX_CONCURRENT_JOBS jobs at once (the rest wait in its own line, then run), and the
downloads of the prepare stage never occupy a worker of the `gpu` queue."""

import os

import pytest

from generation.models import Job, Status
from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account
from tests.factories import UserFactory
from tests.generation.factories import submit_image_job
from tests.generation.worker.gated_engine import gated_engine_env
from tests.worker import kill_worker, run_burst_worker, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _status(job_id) -> str:
    return Job.objects.get(pk=job_id).status


def test_past_its_limit_an_accounts_jobs_wait_in_its_own_line_then_run(
        api, media, local_inputs, settings, tmp_path):
    settings.LIPSYNC_MAX_CONCURRENT_JOBS = 1
    limits = {"LIPSYNC_MAX_CONCURRENT_JOBS": "1", "LIPSYNC_ALLOW_PRIVATE_URLS": "1"}
    first, second = (submit_image_job(api, local_inputs, media) for _ in range(2))
    engine = gated_engine_env(tmp_path)
    worker = start_worker("gpu", "fetch", **limits, **engine)  # busy until the gate opens
    try:
        assert wait_for(lambda: os.path.exists(engine["LIPSYNC_TEST_ENGINE_STARTED"]), 60)
        rendering = first if _status(first) == Status.RUNNING else second
        waiting = second if rendering == first else first
        # Another account's job, and the account's second one, meet a free fetch worker:
        other = UserFactory(email="other@example.com")
        funded_account(other, "api", 100)
        others_job = submit_image_job(key_client(other), local_inputs, media)
        assert run_burst_worker("fetch", **limits).returncode == 0

        assert _status(waiting) == Status.QUEUED  # waits its turn: neither failed nor running
        assert api.get(f"/api/v1/jobs/{waiting}").json()["status"] == "processing"
        assert _status(others_job) == Status.RUNNING  # the other account is not held up

        open(engine["LIPSYNC_TEST_ENGINE_GATE"], "w").close()  # `rendering` finishes...
        assert wait_for(lambda: _status(waiting) == Status.COMPLETED, 90)  # ...the line moves
        assert wait_for(lambda: _status(others_job) == Status.COMPLETED, 60)
    finally:
        kill_worker(worker)
    assert _status(rendering) == Status.COMPLETED
    assert api.get("/api/v1/balance").json() == {
        "ledger": "api", "balance": 980, "held": 0, "available": 980}


def test_downloads_never_occupy_a_gpu_worker(api, media, local_inputs):
    job_id = submit_image_job(api, local_inputs, media)
    assert run_burst_worker("gpu", LIPSYNC_ALLOW_PRIVATE_URLS="1").returncode == 0
    assert _status(job_id) == Status.QUEUED  # a gpu-only worker left the download alone

    assert run_burst_worker("fetch", LIPSYNC_ALLOW_PRIVATE_URLS="1").returncode == 0
    assert Job.objects.get(pk=job_id).credits == 10  # fetched, priced, held; render queued
    assert run_burst_worker("gpu", LIPSYNC_ALLOW_PRIVATE_URLS="1").returncode == 0
    assert api.get(f"/api/v1/jobs/{job_id}").json()["status"] == "completed"
