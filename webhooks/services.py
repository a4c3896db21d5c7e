"""Writes on webhooks: signing secrets, deliveries and their attempts.

A delivery is due while pending and `next_attempt_at <= now`. An attempt starts by claiming the
delivery with a conditional UPDATE on the attempt count it read (the row count says whether this
worker won), which also pushes `next_attempt_at` past the attempt's run time: two workers never
send the same attempt, and a worker that dies mid-attempt leaves a delivery that becomes due
again by itself. The HTTP request happens outside any transaction.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from generation.models import Job
from lipsync_site.redact import url_for_log
from webhooks import payloads, sender, signing
from webhooks.models import Attempt, Delivery, DeliveryStatus, Event, SigningSecret
from webhooks.queueing import enqueue_attempt

log = logging.getLogger(__name__)

RESPONSE_EXCERPT_BYTES = 1024
# How far a claim pushes `next_attempt_at`: longer than any attempt can take (the sender's hard
# time limit), shorter than the sweep's patience. A worker killed mid-attempt is noticed then.
CLAIM_LEASE = timedelta(minutes=2)


class DeliveryNotFinished(Exception):
    """Redelivering a delivery that is still being retried."""


# --- signing secrets --------------------------------------------------------------------------


def signing_secret_get_or_create(*, owner) -> SigningSecret:
    """The account's secret, created on first use (two concurrent first uses get the same)."""
    secret, _ = SigningSecret.objects.get_or_create(
        owner=owner, defaults={"secret": signing.new_secret()}
    )
    return secret


def signing_secret_rotate(*, owner) -> SigningSecret:
    """A new secret from now on: every later attempt, retries included, is signed with it."""
    secret = signing_secret_get_or_create(owner=owner)
    SigningSecret.objects.filter(pk=secret.pk).update(
        secret=signing.new_secret(), rotated_at=timezone.now()
    )
    secret.refresh_from_db()
    return secret


# --- creating deliveries ----------------------------------------------------------------------


def delivery_create_for_job(*, job_id) -> Delivery | None:
    """The delivery of a finished job's webhook, with the job object as it is now; None when the
    job has no webhook. Idempotent: a second call returns the first delivery."""
    job = Job.objects.get(pk=job_id)
    if not job.webhook:
        return None
    idempotency_key = f"job:{job.id}"
    try:
        return _delivery_create(
            owner=job.owner, job=job, event=Event.JOB_FINISHED, url=job.webhook,
            payload=payloads.job_body(job), message_id=signing.new_message_id(),
            idempotency_key=idempotency_key,
        )
    except IntegrityError:
        return Delivery.objects.get(idempotency_key=idempotency_key)


def delivery_create_test(*, owner, url: str) -> Delivery:
    """A test event to `url`: a sample job object, delivered like any other (signed, retried,
    logged). The caller has checked the URL (forms.TestEventForm)."""
    return _delivery_create(
        owner=owner, job=None, event=Event.TEST, url=url, payload=payloads.sample_job_body(),
        message_id=signing.new_message_id(),
    )


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a finished delivery again as a new delivery (its own attempts and retries) with the
    same bytes and the same `webhook-id`: it is the same message, and receivers may dedupe."""
    if not delivery.is_finished:
        raise DeliveryNotFinished()
    return _delivery_create(
        owner=delivery.owner, job=delivery.job, event=delivery.event, url=delivery.url,
        payload=bytes(delivery.payload), message_id=delivery.message_id, redelivery_of=delivery,
    )


def _delivery_create(**fields) -> Delivery:
    with transaction.atomic():
        delivery = Delivery.objects.create(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), **fields
        )
        transaction.on_commit(lambda: enqueue_attempt(delivery.id))
    return delivery


# --- attempts ---------------------------------------------------------------------------------


def retry_schedule() -> list[int]:
    """Seconds to wait before each retry; attempts = 1 + retries."""
    return list(settings.LIPSYNC_WEBHOOK_RETRY_SCHEDULE)


def max_attempts() -> int:
    return len(retry_schedule()) + 1


def delivery_attempt(*, delivery_id) -> Attempt | None:
    """Make the delivery's next attempt if it is due and this caller wins the claim; None when
    there was nothing to do (not due, finished, or another worker has it)."""
    claim = delivery_claim(delivery_id)
    if claim is None:
        return None
    delivery, number = claim
    secret = signing_secret_get_or_create(owner=delivery.owner)
    started_at = timezone.now()
    body = bytes(delivery.payload)
    result = sender.post(
        delivery.url, body,
        signing.signature_headers(secret=secret.secret, message_id=delivery.message_id,
                                  body=body, at=started_at),
        allow_private=settings.LIPSYNC_ALLOW_PRIVATE_URLS,
        allow_http=settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS,
        timeout_s=settings.LIPSYNC_WEBHOOK_TIMEOUT_SECONDS,
        excerpt_bytes=RESPONSE_EXCERPT_BYTES,
    )
    return _attempt_record(delivery, number, started_at, result)


def delivery_claim(delivery_id) -> tuple[Delivery, int] | None:
    """Take the delivery's next attempt number with a conditional UPDATE: (delivery, number)
    for the one caller that wins, None when it is not due, finished, or someone else won."""
    now = timezone.now()
    due = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING,
                                  next_attempt_at__lte=now)
    delivery = due.select_related("owner").first()
    if delivery is None:
        return None
    seen = delivery.attempt_count
    if seen >= max_attempts():
        # The last allowed attempt was claimed but never recorded: its worker died.
        _delivery_finish(delivery.pk, seen, DeliveryStatus.FAILED)
        return None
    claimed = due.filter(attempt_count=seen).update(
        attempt_count=seen + 1, next_attempt_at=now + CLAIM_LEASE
    )
    if claimed != 1:
        return None
    return delivery, seen + 1


def _attempt_record(delivery: Delivery, number: int, started_at, result: sender.SendResult):
    with transaction.atomic():
        attempt = Attempt.objects.create(
            delivery=delivery, number=number, started_at=started_at,
            duration_ms=result.duration_ms, status_code=result.status_code,
            succeeded=result.succeeded, error=result.error,
            response_excerpt=_printable(result.response_excerpt),
        )
        if result.succeeded:
            _delivery_finish(delivery.pk, number, DeliveryStatus.SUCCEEDED)
        elif number >= max_attempts():
            _delivery_finish(delivery.pk, number, DeliveryStatus.FAILED)
        else:
            _delivery_schedule_retry(delivery.pk, number)
    log.info("webhook %s attempt %s to %s: %s", delivery.pk, number, url_for_log(delivery.url),
             result.error or result.status_code)
    return attempt


def _printable(excerpt: bytes) -> str:
    # Receivers may answer anything; PostgreSQL text cannot hold NUL characters.
    return excerpt.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _delivery_finish(delivery_id, number: int, status: str) -> None:
    # Conditional on the attempt count, so a worker whose claim had lapsed (another worker took
    # a later attempt meanwhile) cannot overwrite the newer outcome.
    Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, attempt_count=number
    ).update(status=status, next_attempt_at=None, finished_at=timezone.now())


def _delivery_schedule_retry(delivery_id, number: int) -> None:
    delay = retry_schedule()[number - 1]
    scheduled = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, attempt_count=number
    ).update(next_attempt_at=timezone.now() + timedelta(seconds=delay))
    if scheduled:
        transaction.on_commit(lambda: enqueue_attempt(delivery_id, delay_seconds=delay))


def deliveries_enqueue_overdue(*, limit: int = 1000) -> int:
    """The safety net for lost RQ jobs (Redis restarted, scheduler down, worker killed during an
    attempt): enqueue an attempt for every delivery overdue by more than a claim's lease. The
    attempt itself claims the row, so an extra RQ job for a delivery is harmless."""
    overdue_since = timezone.now() - CLAIM_LEASE
    delivery_ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=overdue_since)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    for delivery_id in delivery_ids:
        enqueue_attempt(delivery_id)
    return len(delivery_ids)
