from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from generation.selectors import job_get_owned
from webhooks.models import Attempt, Delivery

RECENT_DELIVERIES = 20


def _with_attempts(deliveries):
    return deliveries.select_related("job").prefetch_related(
        Prefetch("attempts", queryset=Attempt.objects.order_by("number"))
    )


def delivery_list_recent(*, owner, limit: int = RECENT_DELIVERIES):
    return _with_attempts(Delivery.objects.filter(owner=owner))[:limit]


def delivery_list_for_job(*, owner, job_id):
    """The deliveries of the owner's job (404 for another account's job, like the API)."""
    job = job_get_owned(owner=owner, job_id=job_id)
    return job, _with_attempts(Delivery.objects.filter(owner=owner, job=job))


def delivery_get_owned(*, owner, delivery_id) -> Delivery:
    """The owner's delivery, or 404: another account's looks exactly like a missing one."""
    return get_object_or_404(Delivery, owner=owner, pk=delivery_id)
