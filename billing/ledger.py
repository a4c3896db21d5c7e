"""The ledger's building blocks, shared by billing.services and billing.refunds: posting one
entry under the account's lock, the idempotency keys of a job's entries (job:<id>:<kind>) and
the checks every posting makes. Callers hold the account's lock (billing.locks)."""

from django.db.models import F
from django.utils import timezone

from billing.errors import IdempotencyConflictError
from billing.models import CreditAccount, EntryKind, LedgerEntry

REASON_MAX_LENGTH = 500


def entry_post(
    account: CreditAccount,
    *,
    kind: str,
    amount: int,
    key: str,
    reason: str,
    balance_change: int = 0,
    held_change: int = 0,
    **links,
) -> LedgerEntry:
    """Append one entry and move the cached columns by as much. The caller holds the lock."""
    entry = LedgerEntry.objects.create(
        account=account, kind=kind, idempotency_key=key, amount=amount,
        balance_change=balance_change, held_change=held_change,
        reason=reason[:REASON_MAX_LENGTH], **links,
    )
    # Relative UPDATE: even a caller that forgot the lock cannot lose a concurrent change, and
    # the CheckConstraints refuse any result below zero or a hold above the balance.
    CreditAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + balance_change, held=F("held") + held_change,
        updated_at=timezone.now(),
    )
    account.refresh_from_db(fields=["balance", "held", "updated_at"])
    return entry


def entry_for_key(key: str, *, account_id: int, kind: str, amount: int) -> LedgerEntry | None:
    """The entry already posted under `key`, if any; it must be the same operation."""
    entry = LedgerEntry.objects.filter(idempotency_key=key).first()
    if entry is None:
        return None
    if (entry.account_id, entry.kind, entry.amount) != (account_id, kind, amount):
        raise IdempotencyConflictError(key)
    return entry


def job_key(job_id: str, kind: str) -> str:
    return f"job:{job_id}:{kind}"


def hold_key(job_id: str, attempt: int) -> str:
    """One hold per attempt: a job queued again after its worker died holds afresh (its first
    hold was released). The first attempt keeps the plain job:<id>:hold."""
    key = job_key(job_id, EntryKind.HOLD)
    return key if attempt <= 1 else f"{key}:{attempt}"


def release_key(hold: LedgerEntry) -> str:
    """job:<id>:hold[:n] -> job:<id>:release[:n]: each attempt's hold is released once."""
    return hold.idempotency_key.replace(f":{EntryKind.HOLD}", f":{EntryKind.RELEASE}", 1)


def hold_of_job(job_id: str) -> LedgerEntry | None:
    """The job's latest hold (that of its latest attempt)."""
    return (LedgerEntry.objects.filter(job_id=job_id, kind=EntryKind.HOLD)
            .order_by("-id").first())


def settlement_of_hold(hold: LedgerEntry) -> LedgerEntry | None:
    """The capture or release of this hold (at most one; read under the account lock). A job
    is captured at most once, whichever attempt completes it: job:<id>:capture is unique."""
    keys = [job_key(hold.job_id, EntryKind.CAPTURE), release_key(hold)]
    return LedgerEntry.objects.filter(idempotency_key__in=keys).first()


def require_credits(amount, *, positive: bool) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < (1 if positive else 0):
        least = "1" if positive else "0"
        raise ValueError(f"Credits must be a whole number >= {least}, not {amount!r}.")


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A reason is required; it is shown in the customer's history.")
    return reason
