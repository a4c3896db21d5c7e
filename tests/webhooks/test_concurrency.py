"""Workers racing for the same delivery (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import connection, connections

from tests.webhooks.factories import make_webhook_job
from webhooks import services
from webhooks.models import Attempt

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite serialises all writers"),
]


def test_workers_racing_for_one_delivery_send_it_once(owner, local_webhooks):
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", 200))
    delivery = services.delivery_create_for_job(job_id=job.id)
    start = threading.Barrier(6)
    outcomes = []

    def worker():
        try:
            start.wait()
            outcomes.append(services.delivery_attempt(delivery_id=delivery.id))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(local_webhooks.received()) == 1
    assert sum(outcome is not None for outcome in outcomes) == 1
    assert Attempt.objects.filter(delivery=delivery).count() == 1
