"""Races on submission that only PostgreSQL can show."""

import pytest

from generation import services
from generation.models import Job
from tests.billing.factories import funded_account

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
