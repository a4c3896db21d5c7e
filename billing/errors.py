"""Errors raised by the billing services. Messages are one plain English sentence each.

The API turns them into the contract's error body (e.g. InsufficientCreditsError ->
`lipsync_site.api_errors.InsufficientCredits(str(exc))`, a 402); the dashboard shows them as-is.
"""


def credits_phrase(amount: int, ledger_label: str) -> str:
    """20 -> "20 API credits", 1 -> "1 API credit"."""
    noun = "credit" if amount == 1 else "credits"
    return f"{amount} {ledger_label} {noun}".replace("  ", " ")


class LedgerError(Exception):
    """Base class: a ledger operation was refused and nothing changed."""


class InsufficientCreditsError(LedgerError):
    """The account's available credits (balance - held) do not cover the amount."""

    def __init__(self, *, needed: int, available: int, ledger_label: str = "", action: str = ""):
        self.needed = needed
        self.available = available
        verb = "is" if available == 1 else "are"
        what = action or f"This job needs {credits_phrase(needed, ledger_label)}"
        super().__init__(f"{what}; {available} {verb} available.")


class HoldNotFoundError(LedgerError):
    def __init__(self, job_id: str):
        self.job_id = job_id
        super().__init__(f"No credits are held for job {job_id}.")


class HoldAlreadyReleasedError(LedgerError):
    """Capture after release: the credits already went back to the customer."""

    def __init__(self, job_id: str):
        self.job_id = job_id
        super().__init__(f"The credits held for job {job_id} were already released.")


class IdempotencyConflictError(LedgerError):
    """The idempotency key was already used for a different account, kind or amount."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(
            f"The ledger key {key!r} was already used for a different operation; "
            "nothing was changed."
        )


class JobTooLongError(ValueError):
    def __init__(self, *, seconds: float, maximum: int):
        self.seconds = seconds
        self.maximum = maximum
        super().__init__(
            f"The output would be {seconds:g} seconds long; the maximum is {maximum} seconds."
        )


class PaymentsNotConfiguredError(Exception):
    def __init__(self):
        super().__init__("Payments are not configured on this site (STRIPE_SECRET_KEY is empty).")


class CheckoutError(Exception):
    """Stripe refused or could not be reached while creating a Checkout Session."""
