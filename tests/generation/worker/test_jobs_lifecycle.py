"""Cancel while running, workers that die, signed output URLs and their expiry."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from billing.selectors import credit_balance_get
from billing.services import credit_account_get_or_create, credit_hold_create
from generation import services
from generation.models import Job, Status
from generation.outputs import output_url
from generation.worker import reaper, stages
from tests.worker import run_burst_worker, wait_for, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


def _submit_local(api, server, media, audio_route="/voice.wav", **route_options):
    image = server.serve_file("/face.png", media.image_png, "image/png")
    audio = server.serve_file(audio_route, media.audio_wav, "audio/wav", **route_options)
    response = api.post("/api/v1/lipsync-image", {"formState": {"image": image, "audio": audio}},
                        format="json")
    return response.json()["id"]


def test_cancel_while_running_stops_at_the_next_stage_and_releases_credits(
        api, media, media_server, settings, owner):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = True
    job_id = _submit_local(api, media_server, media)
    stages.prepare(job_id=job_id)  # fetched, priced, credits held; render is queued
    assert credit_balance_get(user=owner, ledger="api").held == 10

    assert api.post(f"/api/v1/jobs/{job_id}/cancel").json()["status"] == "processing"
    stages.render(job_id=job_id)

    job = api.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "failed" and "cancelled" in job["error"]
    assert job["output"] is None
    assert api.get("/api/v1/balance").json() == {
        "ledger": "api", "balance": 1000, "held": 0, "available": 1000}


@pytest.mark.worker
def test_a_worker_killed_mid_job_is_detected_and_the_job_runs_again(
        api, media, media_server, settings):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = True
    # The audio trickles in for ~20 s, so the worker is surely mid-job when it is killed.
    job_id = _submit_local(api, media_server, media, drip_bytes=4096, drip_interval_s=0.3)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "fetch", "gpu"], cwd=django_settings.BASE_DIR,
        env=worker_env(LIPSYNC_ALLOW_PRIVATE_URLS="1"), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: Job.objects.get(pk=job_id).status == Status.RUNNING, 30)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work-horse, like a lost VM
        worker.wait()

    settings.LIPSYNC_HEARTBEAT_TIMEOUT_SECONDS = 1
    time.sleep(1.5)
    assert reaper.jobs_reap_stale() == 1
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.attempts) == (Status.QUEUED, 1)

    media_server.serve_file("/voice.wav", media.audio_wav, "audio/wav")  # now served quickly
    assert run_burst_worker("fetch", "gpu", LIPSYNC_ALLOW_PRIVATE_URLS="1").returncode == 0
    assert api.get(f"/api/v1/jobs/{job_id}").json()["status"] == "completed"


def test_a_job_whose_worker_died_twice_fails_and_its_hold_is_released(api, owner, public_dns,
                                                                      settings):
    job_id = api.post("/api/v1/lipsync-image", {"formState": {
        "image": "https://example.com/p.png", "audio": "https://example.com/a.mp3"}},
        format="json").json()["id"]
    Job.objects.filter(pk=job_id).update(attempts=1)
    assert services.job_claim(job_id=job_id)
    account = credit_account_get_or_create(user=owner, ledger="api")
    credit_hold_create(account=account, job_id=job_id, amount=40)
    Job.objects.filter(pk=job_id).update(heartbeat_at=timezone.now() - timedelta(minutes=5))

    assert reaper.jobs_reap_stale() == 1
    job = api.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "failed" and "stopped unexpectedly" in job["error"]
    assert api.get("/api/v1/balance").json()["available"] == 1000


def test_a_live_job_is_left_alone(api, public_dns):
    job_id = api.post("/api/v1/lipsync-image", {"formState": {
        "image": "https://example.com/p.png", "audio": "https://example.com/a.mp3"}},
        format="json").json()["id"]
    services.job_claim(job_id=job_id)
    assert reaper.jobs_reap_stale() == 0
    assert Job.objects.get(pk=job_id).status == Status.RUNNING


def _completed_job(owner, *, expires_in: timedelta) -> Job:
    job = Job.objects.create(owner=owner, ledger="api", model="lipsync-image",
                             form_state={"resolution": "480p"}, status=Status.COMPLETED,
                             output_expires_at=timezone.now() + expires_in)
    name = default_storage.save(f"outputs/{job.id}.mp4", ContentFile(b"fake mp4 bytes"))
    Job.objects.filter(pk=job.pk).update(output=name)
    job.refresh_from_db()
    return job


def test_output_url_is_signed_and_expires(owner):
    job = _completed_job(owner, expires_in=timedelta(days=1))
    url = output_url(job)
    assert url.startswith(django_settings.SITE_URL)
    path = url[len(django_settings.SITE_URL):]
    assert Client().get(path).status_code == 200
    assert Client().get(path.replace("signature=", "signature=0")).status_code == 404
    assert Client().get(path.split("?")[0]).status_code == 404

    Job.objects.filter(pk=job.pk).update(output_expires_at=timezone.now() - timedelta(seconds=1))
    job.refresh_from_db()
    assert Client().get(output_url(job)[len(django_settings.SITE_URL):]).status_code == 404


def test_purgeoutputs_deletes_expired_files_only(owner):
    fresh = _completed_job(owner, expires_in=timedelta(days=1))
    stale = _completed_job(owner, expires_in=-timedelta(days=1))
    stale_name = stale.output
    call_command("purgeoutputs")
    assert not default_storage.exists(stale_name)
    assert Job.objects.get(pk=stale.pk).output == ""
    assert default_storage.exists(fresh.output)

