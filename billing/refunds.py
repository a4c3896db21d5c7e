"""Support refunds of finished jobs: a completed job's captured credits go back to its owner.

A refund is one ADJUSTMENT entry (+amount, signed by the staff user, with their reason) on the
account that paid, under the key `job:<id>:refund`: the ledger's unique key makes a second
refund of the same job a no-op that returns the first entry, even when two staff users click at
once. Only what the capture actually charged is returned, on the ledger it was charged on, so a
refund never moves credits between the API and user ledgers.
"""

from django.db import transaction

from billing.errors import LedgerError
from billing.ledger import entry_post, job_key, require_reason
from billing.locks import credit_account_lock
from billing.models import EntryKind, LedgerEntry


class NothingToRefundError(LedgerError):
    """The job was never charged (it failed, was cancelled, or is still running)."""

    def __init__(self, job_id: str):
        self.job_id = job_id
        super().__init__(f"Job {job_id} was not charged, so there is nothing to refund.")


def job_refund_key(job_id) -> str:
    return job_key(str(job_id), EntryKind.REFUND)


def job_refund_get(*, job_id) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(idempotency_key=job_refund_key(job_id)).first()


def job_ids_refunded(*, job_ids) -> set[str]:
    """Which of these jobs were refunded (as strings), in one query."""
    keys = [job_refund_key(job_id) for job_id in job_ids]
    return set(LedgerEntry.objects.filter(idempotency_key__in=keys)
               .values_list("job_id", flat=True))


@transaction.atomic
def credit_job_refund(*, job_id, staff_user, reason: str) -> tuple[LedgerEntry, bool]:
    """Return the credits captured for `job_id`; returns (the refund entry, created now).

    Raises NothingToRefundError when nothing was captured (or the capture was 0 credits),
    ValueError for a missing reason or a non-staff user. A job refunded before returns its
    first refund with created=False and changes nothing.
    """
    job_id = str(job_id)
    reason = require_reason(reason)
    if staff_user is None or not staff_user.is_staff:
        raise ValueError("Refunds are made by staff users only.")
    capture = LedgerEntry.objects.filter(idempotency_key=job_key(job_id, EntryKind.CAPTURE),
                                         kind=EntryKind.CAPTURE).first()
    if capture is None or capture.amount == 0:
        raise NothingToRefundError(job_id)
    account = credit_account_lock(capture.account_id)
    # Read again under the lock: a concurrent refund of the same job has committed by now.
    existing = job_refund_get(job_id=job_id)
    if existing is not None:
        return existing, False
    entry = entry_post(
        account, kind=EntryKind.ADJUSTMENT, amount=capture.amount, key=job_refund_key(job_id),
        balance_change=capture.amount, job_id=job_id, staff_user=staff_user,
        reason=f"Refund of job {job_id}: {reason}",
    )
    return entry, True
