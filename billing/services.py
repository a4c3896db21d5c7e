"""Writes to the credit ledgers and purchases. Every function is idempotent (Stripe events:
billing/stripe_events.py; the entry-posting helpers: billing/ledger.py).

Ledger rules (see billing/models.py): each change is one appended LedgerEntry with a unique
idempotency key, and the account's cached balance/held move by exactly the entry's
balance_change/held_change in the same transaction, under the account's row lock. Nothing here
moves credits from one ledger to the other: every entry belongs to exactly one account.

Holds are two-phase, like TigerBeetle's pending transfers: `credit_hold_create` reserves credits
for a job; exactly one of `credit_hold_capture` (charge up to the hold, free the rest) or
`credit_hold_release` (free all of it) settles it. Keys: job:<id>:hold|capture|release; a job
queued again after its worker died holds once per attempt (job:<id>:hold:2, job:<id>:release:2)
and is captured at most once (job:<id>:capture).
"""

import logging
import uuid

from django.db import transaction
from django.urls import reverse

from billing import ledger, stripe_gateway
from billing.errors import (
    HoldAlreadyReleasedError,
    HoldNotFoundError,
    InsufficientCreditsError,
    credits_phrase,
)
from billing.locks import credit_account_lock
from billing.models import (
    CreditAccount,
    CreditPack,
    EntryKind,
    Ledger,
    LedgerEntry,
    Purchase,
    StripeCustomer,
    StripeEvent,
)

logger = logging.getLogger(__name__)



# --- Accounts and ledger entries -----------------------------------------------------------


def credit_account_get_or_create(*, user, ledger: str) -> CreditAccount:
    if ledger not in Ledger.values:
        raise ValueError(f"Unknown ledger {ledger!r}; use one of {', '.join(Ledger.values)}.")
    account, _ = CreditAccount.objects.get_or_create(user=user, ledger=ledger)
    return account


@transaction.atomic
def credit_hold_create(*, account: CreditAccount, job_id, amount: int,
                       attempt: int = 1) -> LedgerEntry:
    """Reserve `amount` credits for one attempt of a job, or raise InsufficientCreditsError.

    Calling it again for the same attempt returns its hold (even once it is settled); the same
    attempt with another account or amount raises IdempotencyConflictError.
    """
    ledger.require_credits(amount, positive=True)
    job_id = str(job_id)
    key = ledger.hold_key(job_id, attempt)
    locked = credit_account_lock(account.pk)
    existing = ledger.entry_for_key(key, account_id=locked.pk, kind=EntryKind.HOLD, amount=amount)
    if existing:
        return existing
    if locked.available < amount:
        raise InsufficientCreditsError(
            needed=amount, available=locked.available, ledger_label=locked.ledger_english
        )
    return ledger.entry_post(
        locked, kind=EntryKind.HOLD, amount=amount, key=key, held_change=amount,
        job_id=job_id, reason=f"Held for job {job_id}.",
    )


@transaction.atomic
def credit_hold_capture(*, job_id, amount: int) -> LedgerEntry:
    """Charge `amount` (at most what is held) for a finished job; the rest becomes available.

    A second call returns the first capture. Raises HoldNotFoundError when the job holds
    nothing, HoldAlreadyReleasedError when its hold was released.
    """
    ledger.require_credits(amount, positive=False)
    job_id = str(job_id)
    hold = ledger.hold_of_job(job_id)
    if hold is None:
        raise HoldNotFoundError(job_id)
    account = credit_account_lock(hold.account_id)
    settlement = ledger.settlement_of_hold(hold)
    if settlement is not None:
        if settlement.kind == EntryKind.RELEASE:
            raise HoldAlreadyReleasedError(job_id)
        return settlement
    if amount > hold.amount:
        logger.warning("Job %s: asked to capture %s credits, but only %s are held; "
                       "charging %s.", job_id, amount, hold.amount, hold.amount)
    charged = min(amount, hold.amount)
    return ledger.entry_post(
        account, kind=EntryKind.CAPTURE, amount=charged,
        key=ledger.job_key(job_id, EntryKind.CAPTURE),
        balance_change=-charged, held_change=-hold.amount, job_id=job_id,
        reason=f"Charged {charged} of the {hold.amount} credits held for job {job_id}.",
    )


@transaction.atomic
def credit_hold_release(*, job_id) -> LedgerEntry | None:
    """Give a job's held credits back (failure or cancel).

    Returns the entry that settled the hold: this release, an earlier release, or an earlier
    capture (releasing a captured job changes nothing). None when the job holds nothing.
    """
    job_id = str(job_id)
    hold = ledger.hold_of_job(job_id)
    if hold is None:
        return None
    account = credit_account_lock(hold.account_id)
    settlement = ledger.settlement_of_hold(hold)
    if settlement is not None:
        return settlement
    return ledger.entry_post(
        account, kind=EntryKind.RELEASE, amount=hold.amount, key=ledger.release_key(hold),
        held_change=-hold.amount, job_id=job_id,
        reason=f"Released the {hold.amount} credits held for job {job_id}.",
    )


@transaction.atomic
def credits_grant(
    *,
    account: CreditAccount,
    amount: int,
    reason: str,
    idempotency_key: str,
    purchase: Purchase | None = None,
    stripe_event: StripeEvent | None = None,
) -> LedgerEntry:
    """Add credits (a purchase, support). The same key again returns the first grant."""
    ledger.require_credits(amount, positive=True)
    reason = ledger.require_reason(reason)
    if not idempotency_key:
        raise ValueError("A grant needs an idempotency key, so that a retry cannot grant twice.")
    locked = credit_account_lock(account.pk)
    existing = ledger.entry_for_key(idempotency_key, account_id=locked.pk, kind=EntryKind.GRANT,
                              amount=amount)
    if existing:
        return existing
    return ledger.entry_post(
        locked, kind=EntryKind.GRANT, amount=amount, key=idempotency_key, balance_change=amount,
        reason=reason, purchase=purchase, stripe_event=stripe_event,
    )


@transaction.atomic
def credits_adjust(
    *,
    account: CreditAccount,
    amount: int,
    reason: str,
    staff_user,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """A staff correction of either sign; it can remove at most the available credits.

    `idempotency_key` defaults to a fresh "adjustment:<uuid>"; the admin form sends its own, so
    a double-submitted form adjusts once.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise ValueError("An adjustment is a whole number of credits other than 0.")
    reason = ledger.require_reason(reason)
    if staff_user is None or not staff_user.is_staff:
        raise ValueError("Credit adjustments are made by staff users only.")
    key = idempotency_key or f"adjustment:{uuid.uuid4()}"
    locked = credit_account_lock(account.pk)
    existing = ledger.entry_for_key(key, account_id=locked.pk, kind=EntryKind.ADJUSTMENT,
                                    amount=amount)
    if existing:
        return existing
    if -amount > locked.available:
        raise InsufficientCreditsError(
            needed=-amount, available=locked.available,
            action=f"Cannot remove {credits_phrase(-amount, locked.ledger_english)}",
        )
    return ledger.entry_post(
        locked, kind=EntryKind.ADJUSTMENT, amount=amount, key=key, balance_change=amount,
        reason=reason, staff_user=staff_user,
    )


# --- Purchases (Stripe Checkout) -----------------------------------------------------------


def stripe_customer_get_or_create(*, user) -> str:
    """The user's Stripe customer id, creating the customer at Stripe the first time."""
    existing = StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True)
    if existing:
        return existing[0]
    customer_id = stripe_gateway.customer_create(user_id=user.pk, email=user.email)
    row, _ = StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer_id})
    return row.customer_id


def checkout_session_create(*, user, pack: CreditPack, site_url: str) -> str:
    """Start paying for a pack; returns the Stripe Checkout URL to redirect the browser to.

    Raises PaymentsNotConfiguredError or CheckoutError. Credits come later, from the webhook.
    """
    customer_id = stripe_customer_get_or_create(user=user)
    return stripe_gateway.checkout_session_create(
        customer_id=customer_id,
        user_id=user.pk,
        pack=pack,
        success_url=site_url + reverse("billing:checkout_success")
        + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=site_url + reverse("billing:checkout_cancel"),
    )


@transaction.atomic
def purchase_record_paid(
    *, user, pack: CreditPack, session: dict, stripe_event: StripeEvent | None = None
) -> Purchase:
    """Record a paid Checkout Session and grant its pack's credits, once per session."""
    account = credit_account_get_or_create(user=user, ledger=pack.ledger)
    purchase, _ = Purchase.objects.get_or_create(
        checkout_session_id=session["id"],
        defaults={
            "user": user, "account": account, "pack": pack, "credits": pack.credits,
            "amount_total": session["amount_total"], "currency": session["currency"],
            "payment_intent_id": session.get("payment_intent") or "",
        },
    )
    credits_grant(
        account=account, amount=purchase.credits, reason=f"Bought {pack.name}.",
        idempotency_key=f"stripe-checkout:{session['id']}", purchase=purchase,
        stripe_event=stripe_event,
    )
    return purchase


@transaction.atomic
def purchase_refund(
    *, purchase: Purchase, charge_id: str, amount_refunded: int,
    stripe_event: StripeEvent | None = None,
) -> LedgerEntry | None:
    """Take back the credits of a (partly) refunded purchase, never going below zero.

    `amount_refunded` is Stripe's running total for the charge, so each refund step asks for
    its share of the pack once. Credits already spent or held cannot be taken: that part is
    recorded as the purchase's refund_shortfall. None when there is nothing more to take.
    """
    account = credit_account_lock(purchase.account_id)
    purchase = Purchase.objects.get(pk=purchase.pk)  # fresh, now that the account is locked
    key = f"stripe-refund:{charge_id}:{amount_refunded}"
    if LedgerEntry.objects.filter(idempotency_key=key).exists():
        return None
    share = purchase.credits * min(amount_refunded, purchase.amount_total) // purchase.amount_total
    to_take = share - purchase.refunded_credits
    if to_take <= 0:
        return None
    taken = min(to_take, account.available)
    shortfall = to_take - taken
    reason = f"Refund of {purchase.pack.name}: {taken} of {to_take} credits taken back"
    reason += f"; {shortfall} were already used." if shortfall else "."
    entry = ledger.entry_post(
        account, kind=EntryKind.REFUND, amount=taken, key=key, balance_change=-taken,
        reason=reason, purchase=purchase, stripe_event=stripe_event,
    )
    purchase.refunded_credits = share
    purchase.refund_shortfall += shortfall
    purchase.status = (Purchase.Status.REFUNDED if share == purchase.credits
                       else Purchase.Status.PARTIALLY_REFUNDED)
    purchase.save(update_fields=["refunded_credits", "refund_shortfall", "status"])
    if shortfall:
        logger.warning("Purchase %s refunded: %s credits could not be taken back (already used).",
                       purchase.pk, shortfall)
    return entry
