"""Payment disputes (chargebacks) of credit purchases.

When a buyer disputes a payment, Stripe takes the money back at once (`charge.dispute.created`),
and for good when the dispute is lost (`charge.dispute.closed`, status `lost`). The credits the
purchase granted and no refund took yet are taken back then, once per dispute (a Dispute row
with Stripe's id; ledger key `stripe-dispute:<id>`). What was already spent cannot be taken (a
balance never goes below zero): the account is frozen instead, so that it cannot submit jobs
until support looks at it. A dispute won gives back what it took (`stripe-dispute:<id>:won`)
and lifts the freeze it caused.
"""

import logging

from django.db import transaction
from django.utils import timezone

from billing import ledger
from billing.locks import credit_account_lock
from billing.models import CreditAccount, Dispute, EntryKind, Purchase, StripeEvent

logger = logging.getLogger(__name__)


def dispute_key(dispute_id: str) -> str:
    return f"stripe-dispute:{dispute_id}"


@transaction.atomic
def purchase_dispute_take_back(*, purchase: Purchase, dispute_id: str, lost: bool = False,
                               stripe_event: StripeEvent | None = None) -> Dispute:
    """Record the dispute and take back the purchase's remaining credits, once; freeze the
    account for the part already spent. `lost`: the dispute is closed as lost."""
    account = credit_account_lock(purchase.account_id)
    purchase = Purchase.objects.select_related("pack").get(pk=purchase.pk)
    dispute, created = Dispute.objects.get_or_create(stripe_id=dispute_id,
                                                     defaults={"purchase": purchase})
    if created:
        _take_back(account, purchase, dispute, stripe_event)
    if lost and dispute.status != Dispute.Status.LOST:
        dispute.status, dispute.closed_at = Dispute.Status.LOST, timezone.now()
        dispute.save(update_fields=["status", "closed_at"])
    return dispute


def _take_back(account: CreditAccount, purchase: Purchase, dispute: Dispute,
               stripe_event: StripeEvent | None) -> None:
    to_take = purchase.credits - purchase.refunded_credits
    taken = min(to_take, account.available)
    shortfall = to_take - taken
    reason = (f"Payment dispute {dispute.stripe_id} on {purchase.pack.name}: {taken} of "
              f"{to_take} credits taken back")
    reason += (f"; {shortfall} were already used, so the account is frozen until support "
               "resolves it." if shortfall else ".")
    ledger.entry_post(
        account, kind=EntryKind.REFUND, amount=taken, key=dispute_key(dispute.stripe_id),
        balance_change=-taken, reason=reason, purchase=purchase, stripe_event=stripe_event,
    )
    dispute.credits_taken, dispute.shortfall = taken, shortfall
    dispute.save(update_fields=["credits_taken", "shortfall"])
    purchase.refunded_credits += to_take
    purchase.refund_shortfall += shortfall
    purchase.status = Purchase.Status.DISPUTED
    purchase.save(update_fields=["refunded_credits", "refund_shortfall", "status"])
    if shortfall:
        CreditAccount.objects.filter(pk=account.pk).update(frozen_at=timezone.now(),
                                                           frozen_reason=reason)
        logger.warning("Credit account %s frozen: %s", account.pk, reason)


@transaction.atomic
def purchase_dispute_give_back(*, dispute_id: str,
                               stripe_event: StripeEvent | None = None) -> Dispute | None:
    """A dispute won: grant back what it took and lift the freeze it caused, once. None for a
    dispute this site never recorded."""
    dispute = Dispute.objects.filter(stripe_id=dispute_id).select_related("purchase").first()
    if dispute is None:
        return None
    account = credit_account_lock(dispute.purchase.account_id)
    dispute = Dispute.objects.select_related("purchase").get(pk=dispute.pk)
    if dispute.status == Dispute.Status.WON:
        return dispute
    purchase = dispute.purchase
    if dispute.credits_taken:
        ledger.entry_post(
            account, kind=EntryKind.GRANT, amount=dispute.credits_taken,
            key=f"{dispute_key(dispute_id)}:won", balance_change=dispute.credits_taken,
            purchase=purchase, stripe_event=stripe_event,
            reason=f"Payment dispute {dispute_id} won: {dispute.credits_taken} credits given "
                   "back.",
        )
    purchase.refunded_credits -= dispute.credits_taken + dispute.shortfall
    purchase.refund_shortfall -= dispute.shortfall
    purchase.status = Purchase.Status.PAID
    purchase.save(update_fields=["refunded_credits", "refund_shortfall", "status"])
    if dispute_id in account.frozen_reason:
        CreditAccount.objects.filter(pk=account.pk).update(frozen_at=None, frozen_reason="")
    dispute.status, dispute.closed_at = Dispute.Status.WON, timezone.now()
    dispute.save(update_fields=["status", "closed_at"])
    return dispute
