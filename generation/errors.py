"""Errors of the generation services; the API maps them to the contract's error codes."""

from billing.errors import credits_phrase

LEDGER_LABELS = {"api": "API", "user": "user"}


class NotEnoughCredits(Exception):
    """`exact`: `needed` is this job's price (its inputs' lengths are known), not the minimum."""

    def __init__(self, *, needed: int, available: int, ledger: str, resolution: str,
                 exact: bool = False):
        self.needed = needed
        self.available = available
        what = (f"This job costs {credits_phrase(needed, LEDGER_LABELS[ledger])}" if exact else
                f"A {resolution} job needs at least "
                f"{credits_phrase(needed, LEDGER_LABELS[ledger])}")
        super().__init__(f"{what}; {available} available. Buy credits on the billing page.")


class CreditsFrozen(NotEnoughCredits):
    """The ledger's account is frozen (a disputed payment whose credits were already spent):
    the API answers 402 like any lack of credits, with this sentence."""

    def __init__(self, *, ledger: str):
        Exception.__init__(
            self,
            f"Your {LEDGER_LABELS[ledger]} credits are frozen: a payment for them was disputed "
            "after its credits were used. Contact support to resolve it; no job was created.",
        )


class IdempotencyKeyReused(Exception):
    def __init__(self):
        super().__init__(
            "This Idempotency-Key was already used with a different request; use a new key "
            "for a different job."
        )


class JobAlreadyFinished(Exception):
    """Cancel of a job that has completed: there is nothing left to cancel (API: 409)."""

    def __init__(self, job):
        self.job = job
        super().__init__(f"This job already {job.status}; there is nothing to cancel.")


class JobNotRetryable(Exception):
    """Retry of a job that did not fail: only a failed job can run again."""

    def __init__(self, job):
        self.job = job
        super().__init__(f"Job {job.id} is {job.status}; only a failed job can be retried.")


class QueueUnavailable(Exception):
    """The job queue (Redis) could not be reached at submit; the job was not kept (API: 503)."""

    def __init__(self):
        super().__init__("The job queue is unavailable right now; nothing was charged and no job "
                         "was created. Try again in a minute.")


class UploadNotAllowed(Exception):
    """Uploads need credits on either ledger (there is no e-mail verification): a new, empty
    account cannot use the site as free file storage (API: 403)."""

    def __init__(self):
        super().__init__("Uploading needs credits on your account (API or user credits); buy a "
                         "credit pack on the billing page first.")
class JobNotFinished(Exception):
    """Deleting the files of a job that is still running (API: 409)."""

    def __init__(self, job):
        self.job = job
        super().__init__("This job has not finished; cancel it first or wait until it ends, "
                         "then delete it.")
