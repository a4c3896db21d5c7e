"""Races on submission that only PostgreSQL can show."""

import pytest

from billing.selectors import credit_balance_get
from generation import services
from generation.models import Job, Status
from tests.billing.factories import funded_account
from tests.generation.factories import make_job

FORM_STATE = {"image": "https://example.com/p.png", "audio": "https://example.com/a.mp3",
              "resolution": "480p", "prompt": "", "seed": None}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_idempotency_key_make_one_job(owner, run_at_once):
    funded_account(owner, "api", 100)

    def submit():
        job, _ = services.job_submit(
            owner=owner, ledger="api", api_key=None, model="lipsync-image",
            form_state=FORM_STATE, webhook="", idempotency_key="retry-storm",
            fingerprint="same-body",
        )
        return job.id

    results = run_at_once(*[submit] * 10)

    assert Job.objects.count() == 1
    assert set(results) == {str(Job.objects.get().id)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_claiming_one_accounts_jobs_at_once_respect_its_limit(owner, run_at_once,
                                                                      settings):
    settings.LIPSYNC_MAX_CONCURRENT_JOBS = 2
    jobs = [make_job(owner) for _ in range(6)]

    results = run_at_once(*[lambda job=job: services.job_claim(job_id=job.id) for job in jobs])

    assert results.count("True") == 2
    assert Job.objects.filter(status=Status.RUNNING).count() == 2
    assert Job.objects.filter(status=Status.QUEUED).count() == 4  # waiting, not failed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancel_and_the_hold_at_once_leave_nothing_held(owner, run_at_once):
    funded_account(owner, "user", 100)
    job = make_job(owner)
    assert services.job_claim(job_id=job.id)

    results = run_at_once(
        lambda: services.job_price_hold(job=job, price=10, billed_seconds=5.0, input_files={},
                                        media_info={}, timings={}, progress=0.1),
        lambda: services.job_fail(job_id=job.id, error=services.CANCELLED_ERROR),
    )

    assert results[1] == "True"  # the cancel always wins; the hold happened before it or never
    assert credit_balance_get(user=owner, ledger="user").held == 0
