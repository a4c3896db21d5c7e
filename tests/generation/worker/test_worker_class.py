"""The worker class: jobs run in the worker's own process, with the engine loaded at start."""

import django_rq
import pytest

from lipsync_site.tasks import worker_selfcheck
from tests.worker import run_burst_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_jobs_run_in_the_worker_process_itself_not_one_forked_per_job():
    queue = django_rq.get_queue("default")
    first, second = queue.enqueue(worker_selfcheck), queue.enqueue(worker_selfcheck)

    result = run_burst_worker("default")

    assert result.returncode == 0, result.stderr
    first.refresh()
    second.refresh()
    assert first.return_value()["process"] == second.return_value()["process"], result.stderr


def test_the_lipsync_engine_is_loaded_before_the_first_job(settings):
    settings.LIPSYNC_ENGINE = "lipsync"

    result = run_burst_worker("gpu")

    assert result.returncode == 0, result.stderr
    assert "renders with the engine 'lipsync'" in result.stderr
    assert "Engine 'lipsync' ready in" in result.stderr, result.stderr[-2000:]
