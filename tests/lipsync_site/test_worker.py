import django_rq
import pytest

from lipsync_site.tasks import worker_selfcheck
from tests.factories import UserFactory
from tests.worker import run_burst_worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_a_job_against_redis_and_the_database():
    UserFactory.create_batch(3)
    job = django_rq.get_queue("default").enqueue(worker_selfcheck)

    result = run_burst_worker("default")

    assert result.returncode == 0, result.stderr
    job.refresh()
    assert job.is_finished, result.stderr
    from django.db import connection

    assert job.return_value()["database"] == connection.vendor
    assert job.return_value()["users"] == 3
