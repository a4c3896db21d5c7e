"""Money through crashes and races, with real worker processes: a job whose worker died runs
again and is charged once; a cancel (or the reaper) between the claim and the hold leaks no
credits; a job whose queue message Redis lost still completes; finished jobs holding credits
are swept and reported."""

import logging
import os
import time
from datetime import timedelta

import django_rq
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing.models import EntryKind, LedgerEntry
from billing.services import credit_hold_create
from generation import services
from generation.models import Job, Status
from generation.worker import job_inputs, reaper, stages
from tests.billing.factories import funded_account
from tests.generation.factories import make_job, submit_image_job
from tests.generation.worker.gated_engine import gated_engine_env
from tests.worker import kill_worker, run_burst_worker, start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _ledgers_are_clean(capsys) -> bool:
    call_command("checkledgers")
    return "no finished job holds credits" in capsys.readouterr().out


@pytest.mark.worker
def test_a_job_whose_worker_was_killed_mid_render_completes_and_is_charged_once(
        api, media, local_inputs, settings, tmp_path, capsys):
    job_id = submit_image_job(api, local_inputs, media)
    engine = gated_engine_env(tmp_path)
    worker = start_worker("fetch", "gpu", LIPSYNC_ALLOW_PRIVATE_URLS="1", **engine)
    try:  # the render has begun: the credits are held and the engine is at work
        assert wait_for(lambda: os.path.exists(engine["LIPSYNC_TEST_ENGINE_STARTED"]), 60)
        assert api.get("/api/v1/balance").json()["held"] == 10
    finally:
        kill_worker(worker)

    settings.LIPSYNC_HEARTBEAT_TIMEOUT_SECONDS = 1
    time.sleep(1.5)
    assert reaper.jobs_reap_stale() == 1
    open(engine["LIPSYNC_TEST_ENGINE_GATE"], "w").close()
    result = run_burst_worker("fetch", "gpu", LIPSYNC_ALLOW_PRIVATE_URLS="1", **engine)
    assert result.returncode == 0, result.stderr[-3000:]

    job = api.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "completed", job
    assert job["credits"] == 10 and job["output"]
    assert api.get("/api/v1/balance").json() == {
        "ledger": "api", "balance": 990, "held": 0, "available": 990}
    assert Job.objects.get(pk=job_id).attempts == 2
    assert _ledgers_are_clean(capsys)


def _between_claim_and_hold(monkeypatch, action):
    """Run `action` while the worker fetches the inputs: after its claim, before its hold."""
    fetch = job_inputs.fetch_inputs

    def fetch_then_act(job, work_dir):
        files = fetch(job, work_dir)
        action(job)
        return files

    monkeypatch.setattr(job_inputs, "fetch_inputs", fetch_then_act)


def _prepare_and_render(job_id):
    stages.prepare(job_id=job_id)
    stages.render(job_id=job_id)


@pytest.mark.parametrize("cancel", ["api_stale_read", "staff_bulk_cancel"])
def test_a_cancel_racing_the_claim_leaks_no_hold(api, owner, media, local_inputs, monkeypatch,
                                                 client, capsys, cancel):
    job_id = submit_image_job(api, local_inputs, media)
    queued_copy = Job.objects.get(pk=job_id)  # what the cancel request read: still queued

    def cancel_now(job):
        if cancel == "api_stale_read":
            services.job_cancel(job=queued_copy)
        else:
            staff = type(owner).objects.create_superuser(email="staff@example.com",
                                                         password="x" * 12)
            client.force_login(staff)
            client.post("/admin/generation/job/", {
                "action": "cancel_jobs", "_selected_action": [job_id], "apply": "1",
                "reason": "Ticket 5: customer asked"})

    _between_claim_and_hold(monkeypatch, cancel_now)
    _prepare_and_render(job_id)

    job = api.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "failed" and "cancelled" in job["error"]
    assert api.get("/api/v1/balance").json() == {
        "ledger": "api", "balance": 1000, "held": 0, "available": 1000}
    assert _ledgers_are_clean(capsys)


def test_the_reapers_final_fail_racing_the_claim_leaks_no_hold(api, media, local_inputs,
                                                               monkeypatch, settings, capsys):
    job_id = submit_image_job(api, local_inputs, media)
    Job.objects.filter(pk=job_id).update(attempts=settings.LIPSYNC_JOB_MAX_ATTEMPTS - 1)

    def reaped(job):  # the worker looked dead (a long pause) and the reaper gave up on it
        Job.objects.filter(pk=job.id).update(heartbeat_at=timezone.now() - timedelta(hours=1))
        assert reaper.jobs_reap_stale() == 1

    _between_claim_and_hold(monkeypatch, reaped)
    _prepare_and_render(job_id)

    job = api.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "failed" and "stopped unexpectedly" in job["error"]
    assert api.get("/api/v1/balance").json()["held"] == 0
    assert _ledgers_are_clean(capsys)


def test_credits_held_by_a_finished_job_are_reported_then_swept(owner, caplog, capsys):
    account = funded_account(owner, "user", 50)
    job = make_job(owner, status=Status.FAILED, credits=20, completed_at=timezone.now())
    credit_hold_create(account=account, job_id=job.id, amount=20)  # a path forgot to release

    with pytest.raises(CommandError, match="1 finished jobs still hold credits"):
        call_command("checkledgers")
    assert f"job {job.id} is finished but still holds credits" in capsys.readouterr().err

    with caplog.at_level(logging.WARNING):
        assert reaper.jobs_recover()["holds_released"] == 1
    assert f"job {job.id} finished with credits still held" in caplog.text
    account.refresh_from_db()
    assert (account.balance, account.held) == (50, 0)
    assert LedgerEntry.objects.filter(job_id=str(job.id), kind=EntryKind.RELEASE).count() == 1
    assert _ledgers_are_clean(capsys)


@pytest.mark.worker
def test_a_job_whose_queue_message_redis_lost_still_completes(api, media, local_inputs,
                                                              settings):
    job_id = submit_image_job(api, local_inputs, media)
    django_rq.get_connection("fetch").flushdb()  # Redis lost the queue (a flush, a failover)
    assert reaper.jobs_requeue_lost() == 0  # too young to call lost: its message may be coming

    settings.LIPSYNC_QUEUED_REQUEUE_SECONDS = 0
    assert reaper.jobs_requeue_lost() == 1
    assert reaper.jobs_requeue_lost() == 0  # its message is queued now: not queued twice
    result = run_burst_worker("fetch", "gpu", LIPSYNC_ALLOW_PRIVATE_URLS="1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert api.get(f"/api/v1/jobs/{job_id}").json()["status"] == "completed"
    assert api.get("/api/v1/balance").json()["balance"] == 990
