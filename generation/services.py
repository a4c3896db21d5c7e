"""Writes on jobs: submission, state transitions, cancel, retry, output deletion, requeue.

Every state change is a conditional UPDATE on the current status whose row count says whether
this caller won, so two workers (or a worker and a cancel) can never both finish a job, and the
credit hold is released or captured in the same transaction as the transition.
"""

import hashlib
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.locks import user_lock
from billing.errors import HoldNotFoundError
from billing.pricing import job_price, minimum_price
from billing.selectors import credit_account_is_frozen, credit_balance_get
from billing.services import (
    credit_account_get_or_create,
    credit_hold_capture,
    credit_hold_create,
    credit_hold_release,
)
from generation.errors import (
    CreditsFrozen,
    IdempotencyKeyReused,
    JobAlreadyFinished,
    JobNotFinished,
    JobNotRetryable,
    NotEnoughCredits,
    QueueUnavailable,
)
from generation.estimates import known_price
from generation.models import FINISHED, Job, Status
from generation.selectors import finished_job_ids_with_held_credits, running_jobs_count
from generation.signals import job_finished
from generation.worker import queueing

log = logging.getLogger(__name__)

CANCELLED_ERROR = "This job was cancelled; its credits were released."


def request_fingerprint(*, model: str, body: dict) -> str:
    canonical = json.dumps({"model": model, "body": body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def job_submit(*, owner, ledger: str, api_key, model: str, form_state: dict, webhook: str,
               idempotency_key: str | None, fingerprint: str) -> tuple[Job, bool]:
    """Create and enqueue a job; returns (job, created). A replayed Idempotency-Key returns the
    first job (created=False) without charging again; the same key with another body raises."""
    if idempotency_key:
        existing = _job_for_idempotency_key(owner, idempotency_key, fingerprint)
        if existing:
            return existing, False
    _require_balance(owner=owner, ledger=ledger, model=model, form_state=form_state)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                owner=owner, ledger=ledger, api_key=api_key, model=model, form_state=form_state,
                webhook=webhook, idempotency_key=idempotency_key or None,
                request_fingerprint=fingerprint,
            )
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key won the race.
        return _job_for_idempotency_key(owner, idempotency_key, fingerprint), False
    _enqueue_or_forget(job)
    return job, True


def _enqueue_or_forget(job: Job) -> None:
    """Queue the new job's prepare stage (after its row committed, or on the surrounding
    transaction's commit); when Redis cannot take it, the row is deleted again and
    QueueUnavailable raised, so no job exists that nothing would ever run."""
    try:
        queueing.enqueue_prepare(job.id)
    except RedisError:
        log.warning("job %s not queued: Redis is unavailable; the job was deleted", job.id)
        Job.objects.filter(pk=job.pk, status=Status.QUEUED).delete()
        raise QueueUnavailable() from None


def _job_for_idempotency_key(owner, key: str, fingerprint: str) -> Job | None:
    job = Job.objects.filter(owner=owner, idempotency_key=key).first()
    if job is not None and job.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return job


def _require_balance(*, owner, ledger: str, model: str, form_state: dict) -> None:
    """The price when it is known now (every billed input uploaded), else the minimum one; a
    ledger frozen by a payment dispute takes no new jobs."""
    if credit_account_is_frozen(user=owner, ledger=ledger):
        raise CreditsFrozen(ledger=ledger)
    resolution = form_state["resolution"]
    price = known_price(owner=owner, model=model, form_state=form_state)
    needed = price if price is not None else minimum_price(resolution=resolution)
    available = credit_balance_get(user=owner, ledger=ledger).available
    if available < needed:
        raise NotEnoughCredits(needed=needed, available=available, ledger=ledger,
                               resolution=resolution, exact=price is not None)


def job_claim(*, job_id) -> bool:
    """A worker takes a queued job; False when it was cancelled, another worker has it, or its
    account already runs LIPSYNC_MAX_CONCURRENT_JOBS jobs: then it stays queued, in the
    account's own line, and is queued again when one of them finishes (job_line_advance)."""
    with transaction.atomic():
        owner_id = (Job.objects.filter(pk=job_id, status=Status.QUEUED)
                    .values_list("owner_id", flat=True).first())
        if owner_id is None:
            return False
        user_lock(owner_id)  # one account's claims one at a time, so the count holds
        if running_jobs_count(owner_id=owner_id) >= settings.LIPSYNC_MAX_CONCURRENT_JOBS:
            log.info("job %s waits: its account runs its maximum of jobs", job_id)
            return False
        now = timezone.now()
        claimed = Job.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1,
        )
    return claimed == 1


def job_line_advance(*, owner_id) -> int:
    """Queue the account's oldest waiting jobs, as many as it has free slots, unless their
    prepare message is still in Redis. Called when one of its jobs finishes; returns how many."""
    free = settings.LIPSYNC_MAX_CONCURRENT_JOBS - running_jobs_count(owner_id=owner_id)
    if free <= 0:
        return 0
    waiting = (Job.objects.filter(owner_id=owner_id, status=Status.QUEUED)
               .order_by("created_at", "id").values_list("pk", flat=True)[:free])
    queued = 0
    for job_id in waiting:
        if not queueing.prepare_is_waiting(job_id):
            queueing.enqueue_prepare(job_id)
            queued += 1
    return queued


def _advance_line_on_commit(job_id) -> None:
    owner_id = Job.objects.filter(pk=job_id).values_list("owner_id", flat=True).first()

    def advance():
        try:
            job_line_advance(owner_id=owner_id)
        except RedisError:  # the reaper queues them later (requeue_lost_queued)
            log.warning("could not queue the waiting jobs of account %s", owner_id)

    transaction.on_commit(advance)


def job_fail(*, job_id, error: str, code: str = "internal", input_name: str = "") -> bool:
    """Mark an unfinished job failed and release its credits; False if it already finished.
    `code` is the failure's errorCode (generation/failures.py), `input_name` the formState
    input it concerns, if any."""
    with transaction.atomic():
        failed = Job.objects.filter(pk=job_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
            status=Status.FAILED, error=error, error_code=code, error_input=input_name,
            completed_at=timezone.now(),
        )
        if failed:
            _release_hold(job_id)
            transaction.on_commit(lambda: job_finished.send(sender=Job, job_id=job_id))
            _advance_line_on_commit(job_id)
    return bool(failed)


def job_complete(*, job_id, output: str, output_duration: float, timings: dict,
                 warnings: list[str], sync_report: dict | None) -> bool:
    """Mark a running job completed and capture its held credits, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        job = job_lock(job_id)
        if job.status != Status.RUNNING or job.cancel_requested_at is not None:
            return False
        execution_ms = int((now - job.started_at).total_seconds() * 1000)
        charged, billed = _charge_for_output(job, output_duration)
        Job.objects.filter(pk=job_id).update(
            status=Status.COMPLETED, progress=1.0, output=output, output_duration=output_duration,
            output_expires_at=_output_expiry(now), timings=timings, warnings=warnings,
            sync_report=sync_report, execution_ms=execution_ms, completed_at=now,
            credits=charged, billed_seconds=billed,
        )
        credit_hold_capture(job_id=job_id, amount=charged)
        transaction.on_commit(lambda: job_finished.send(sender=Job, job_id=job_id))
        _advance_line_on_commit(job_id)
    return True


def _charge_for_output(job: Job, output_duration: float) -> tuple[int, float]:
    """(credits, seconds) billed: the rendered length's price, never more than was held (the
    price of the measured inputs); a render shorter than measured costs less."""
    seconds = min(output_duration, job.billed_seconds or output_duration,
                  settings.LIPSYNC_MAX_JOB_SECONDS)
    price = job_price(resolution=job.form_state["resolution"], seconds=seconds)
    if price >= job.credits:
        return job.credits, job.billed_seconds
    return price, seconds


def _output_expiry(now):
    return now + timedelta(days=settings.LIPSYNC_OUTPUT_RETENTION_DAYS)


def _release_hold(job_id) -> None:
    try:
        credit_hold_release(job_id=job_id)
    except HoldNotFoundError:
        pass  # the job failed before it was priced: nothing was held


def job_cancel(*, job: Job) -> Job:
    """A queued job fails at once; a running one is flagged and its worker stops at the next
    stage or frame batch. Credits are released either way. A failed job (cancelled already, or
    failed on its own) is returned as it is; a completed one raises JobAlreadyFinished."""
    with transaction.atomic():
        job.status = job_lock(job.id).status  # the caller's copy may be stale (a worker claimed it)
        if job.status == Status.COMPLETED:
            raise JobAlreadyFinished(job)
        if job.status == Status.QUEUED:
            job_fail(job_id=job.id, error=CANCELLED_ERROR, code="cancelled")
        elif job.status == Status.RUNNING:
            Job.objects.filter(pk=job.id, cancel_requested_at__isnull=True).update(
                cancel_requested_at=timezone.now()
            )
    job.refresh_from_db()
    return job


def job_cancel_requested(*, job_id) -> bool:
    return Job.objects.filter(pk=job_id, cancel_requested_at__isnull=False).exists()


def job_progress_set(*, job_id, progress: float) -> None:
    Job.objects.filter(pk=job_id, status=Status.RUNNING).update(
        progress=min(1.0, max(0.0, progress)), heartbeat_at=timezone.now()
    )


def job_heartbeat(*, job_id) -> None:
    Job.objects.filter(pk=job_id, status=Status.RUNNING).update(heartbeat_at=timezone.now())


def job_requeue_stale(*, job_id, stale_before) -> bool:
    """Queue again a running job whose last heartbeat is older than `stale_before` (its worker
    died; see generation/worker/reaper.py), releasing its hold; False when it moved meanwhile."""
    with transaction.atomic():
        requeued = Job.objects.filter(
            pk=job_id, status=Status.RUNNING, heartbeat_at__lt=stale_before
        ).update(status=Status.QUEUED, progress=0.0, heartbeat_at=None)
        if requeued:
            _release_hold(job_id)
            transaction.on_commit(lambda: queueing.enqueue_prepare(job_id))
    log.warning("job %s lost its worker; queued again", job_id)
    return bool(requeued)


def job_lock(job_id) -> Job:
    """The job's row, locked until the transaction ends (call inside transaction.atomic). Job
    before credit account, always: job_complete, job_fail and job_price_hold take them so."""
    return Job.objects.select_for_update().get(pk=job_id)


def job_price_hold(*, job: Job, price: int, billed_seconds: float, input_files: dict,
                   media_info: dict, timings: dict, progress: float) -> bool:
    """The prepare stage's result: hold `price` credits on the job's ledger (one hold per
    attempt) and record the price with what was measured, in one transaction. False, holding
    nothing, when the job stopped running meanwhile (cancelled, failed by staff or the reaper):
    a hold made after that would never be settled. Raises InsufficientCreditsError."""
    with transaction.atomic():
        locked = job_lock(job.id)
        if locked.status != Status.RUNNING or locked.cancel_requested_at is not None:
            return False
        account = credit_account_get_or_create(user=job.owner, ledger=job.ledger)
        credit_hold_create(account=account, job_id=job.id, amount=price, attempt=locked.attempts)
        Job.objects.filter(pk=job.id).update(
            credits=price, billed_seconds=billed_seconds, input_files=input_files,
            media_info=media_info, timings=timings, progress=progress,
        )
    return True


def job_holds_sweep() -> int:
    """Release the credits still held for finished jobs (a hold no path settled) and log each
    one; returns how many. Run by the reaper (lipsync_site/cron.py)."""
    released = 0
    for job_id in finished_job_ids_with_held_credits():
        if credit_hold_release(job_id=job_id) is not None:
            log.warning("job %s finished with credits still held; released them", job_id)
            released += 1
    return released


def job_retry(*, job: Job) -> Job:
    """Run a failed job again as a NEW job with the same inputs, owner, ledger, key and webhook.

    A new row, not the old one reset: the failed job's result was already reported (by polling
    and webhook) and its hold settled under job:<id>:* ledger keys, so it stays as it was. The new
    job is priced, held and charged like any submission (the failed one cost nothing), and needs
    the minimum balance; raises JobNotRetryable for a job that did not fail, and NotEnoughCredits.
    """
    if job.status != Status.FAILED:
        raise JobNotRetryable(job)
    body = {"webhook": job.webhook, "formState": job.form_state}
    new_job, _ = job_submit(
        owner=job.owner, ledger=job.ledger, api_key=job.api_key, model=job.model,
        form_state=dict(job.form_state), webhook=job.webhook, idempotency_key=None,
        fingerprint=request_fingerprint(model=job.model, body=body),
    )
    return new_job


def job_output_delete(*, job: Job) -> bool:
    """Delete a finished job's video for good; False when it had none (or it was gone).

    The row forgets the file first (a conditional UPDATE, so two clicks delete once), then the
    file is removed from storage, outside any transaction. The job itself stays in the history.
    """
    name = job.output
    if not name:
        return False
    forgotten = Job.objects.filter(pk=job.pk, output=name).update(output="",
                                                                  output_expires_at=None)
    job.refresh_from_db(fields=["output", "output_expires_at"])
    if not forgotten:
        return False
    try:
        default_storage.delete(name)
    except OSError:  # the row no longer points at it; purgeoutputs-style cleanup can retry
        log.warning("could not delete the output file %s of job %s", name, job.id)
    return True


def job_files_delete(*, job: Job) -> None:
    """DELETE /jobs/{id}: remove a finished job's output and the inputs copied for it; the job
    keeps its status and history (output becomes null). Raises JobNotFinished while it runs.
    The caller's uploads are theirs to keep: they are not deleted."""
    if not job.is_finished:
        raise JobNotFinished(job)
    job_output_delete(job=job)
    files = job.input_files
    Job.objects.filter(pk=job.pk).update(input_files={})
    for entry in files.values():
        if entry.get("owned"):
            default_storage.delete(entry["name"])
    job.refresh_from_db()


def job_is_finished(*, job_id) -> bool:
    return Job.objects.filter(pk=job_id, status__in=FINISHED).exists()
