"""Putting delivery attempts on the RQ `webhooks` queue. RQ jobs carry the delivery id only; the
row says whether an attempt is due, and the attempt claims it (services.delivery_attempt)."""

from datetime import timedelta

import django_rq

WEBHOOKS_QUEUE = "webhooks"
TASK = "webhooks.tasks.delivery_attempt"


def enqueue_attempt(delivery_id, *, delay_seconds: float = 0) -> None:
    """Call after the delivery's row is committed (transaction.on_commit): the worker must see
    it. A delayed attempt waits in RQ's scheduler (workers run --with-scheduler); should that
    job be lost, the sweep (tasks.sweep_overdue_deliveries) enqueues the attempt again."""
    queue = django_rq.get_queue(WEBHOOKS_QUEUE)
    if delay_seconds > 0:
        queue.enqueue_in(timedelta(seconds=delay_seconds), TASK, str(delivery_id),
                         result_ttl=600)
    else:
        queue.enqueue(TASK, str(delivery_id), result_ttl=600)
