"""Domain errors of the job services: what they refuse, and that a refusal changes nothing."""

import pytest

from billing.models import Ledger
from billing.selectors import credit_balance_get
from generation import services
from generation.errors import JobAlreadyFinished, JobNotRetryable
from generation.models import Job, Status
from tests.generation.factories import make_completed_job, make_failed_job, make_running_job


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_cancel_of_a_completed_job_raises_and_keeps_the_charge(owner):
    job = make_completed_job(owner, credits=20)
    balance = credit_balance_get(user=owner, ledger=Ledger.USER)

    with pytest.raises(JobAlreadyFinished) as caught:
        services.job_cancel(job=job)

    assert str(caught.value) == "This job already completed; there is nothing to cancel."
    assert Job.objects.get(pk=job.pk).status == Status.COMPLETED
    assert credit_balance_get(user=owner, ledger=Ledger.USER) == balance


@pytest.mark.django_db
def test_cancel_of_a_failed_job_returns_it_unchanged(owner):
    job = make_failed_job(owner, error="formState.audio is not audio.")

    cancelled = services.job_cancel(job=job)

    assert (cancelled.status, cancelled.error) == (Status.FAILED, "formState.audio is not audio.")


@pytest.mark.django_db
def test_retry_of_a_job_that_did_not_fail_raises_and_creates_nothing(owner):
    job = make_running_job(owner)

    with pytest.raises(JobNotRetryable):
        services.job_retry(job=job)

    assert Job.objects.count() == 1
