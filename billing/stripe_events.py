"""What each verified Stripe event does. `stripe_event_handle` records an event
and runs its handler in one transaction.

Every handler returns an Outcome that is stored on the StripeEvent row for support:
processed (credits changed), ignored (nothing to do), rejected (looks wrong; a person should look,
e.g. a paid amount that does not match the pack's price). Stripe gets a 200 for all three, since
retrying would not change the answer.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from billing import disputes, services
from billing.models import CreditPack, Ledger, Purchase, StripeEvent

logger = logging.getLogger(__name__)


def stripe_event_handle(*, event: dict) -> tuple[StripeEvent, bool]:
    """Record a verified Stripe event and act on it exactly once.

    Returns (the stored event, whether this call processed it); a retry of an event already
    stored changes nothing. An unexpected error rolls everything back, event row included,
    so that Stripe's next retry processes it afresh.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    stripe_id=event["id"], type=event["type"],
                    livemode=bool(event.get("livemode")), payload=event,
                    status=StripeEvent.Status.IGNORED,
                )
        except IntegrityError:
            # Already stored; on PostgreSQL a concurrent delivery waits here for the first one.
            return StripeEvent.objects.get(stripe_id=event["id"]), False
        outcome = dispatch(event=event, record=record)
        record.status, record.note = outcome.status, outcome.note
        record.save(update_fields=["status", "note"])
    return record, True


@dataclass(frozen=True)
class Outcome:
    status: str
    note: str


def processed(note: str) -> Outcome:
    return Outcome(StripeEvent.Status.PROCESSED, note)


def ignored(note: str) -> Outcome:
    return Outcome(StripeEvent.Status.IGNORED, note)


def rejected(note: str) -> Outcome:
    logger.error("Stripe event rejected: %s", note)
    return Outcome(StripeEvent.Status.REJECTED, note)


def dispatch(*, event: dict, record: StripeEvent) -> Outcome:
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return ignored("This site does not act on this event type.")
    return handler(event["data"]["object"], record)


def checkout_paid(session: dict, record: StripeEvent) -> Outcome:
    """checkout.session.completed / async_payment_succeeded: grant the pack once it is paid."""
    if session.get("mode") != "payment":
        return ignored(f"Checkout mode {session.get('mode')!r} is not a credit purchase.")
    if session.get("payment_status") != "paid":
        return ignored(f"Payment status is {session.get('payment_status')!r}; credits are "
                       "granted when Stripe reports it paid.")
    pack, user, problem = _checkout_parts(session)
    if problem:
        return rejected(f"Checkout session {session.get('id')}: {problem} No credits granted.")
    purchase = services.purchase_record_paid(user=user, pack=pack, session=session,
                                             stripe_event=record)
    return processed(f"Purchase {purchase.pk}: {purchase.credits} {pack.get_ledger_display()} "
                     f"for {user.email}.")


def _checkout_parts(session: dict):
    """(pack, user, None) for a session this site created and was paid in full, else a problem."""
    metadata = session.get("metadata") or {}
    ledger, pack_id = metadata.get("ledger"), str(metadata.get("pack") or "")
    if ledger not in Ledger.values or not pack_id.isdigit():
        return None, None, "its metadata names no ledger and pack of this site."
    pack = CreditPack.objects.filter(pk=int(pack_id)).first()
    if pack is None or pack.ledger != ledger:
        return None, None, f"pack {pack_id} of the {ledger} ledger does not exist."
    user_id = str(session.get("client_reference_id") or "")
    user = get_user_model().objects.filter(pk=int(user_id)).first() if user_id.isdigit() else None
    if user is None:
        return None, None, f"client_reference_id {user_id!r} is no user of this site."
    paid = (session.get("amount_total"), str(session.get("currency") or "").lower())
    if paid != (pack.price_minor, pack.currency):
        return None, None, (f"paid {paid[0]} {paid[1]}, but pack {pack.pk} costs "
                            f"{pack.price_minor} {pack.currency}.")
    return pack, user, None


def charge_refunded(charge: dict, record: StripeEvent) -> Outcome:
    """charge.refunded: take back the refunded share of the purchase's credits."""
    payment_intent = charge.get("payment_intent") or ""
    purchase = (Purchase.objects.filter(payment_intent_id=payment_intent).first()
                if payment_intent else None)
    if purchase is None:
        return ignored("No purchase on this site was paid with this charge.")
    amount_refunded = charge.get("amount_refunded")
    if not isinstance(amount_refunded, int) or amount_refunded <= 0:
        return rejected(f"Charge {charge.get('id')} has no usable amount_refunded.")
    entry = services.purchase_refund(
        purchase=purchase, charge_id=str(charge.get("id")), amount_refunded=amount_refunded,
        stripe_event=record,
    )
    if entry is None:
        return ignored("This refund's credits were already taken back.")
    return processed(entry.reason)


def dispute_changed(dispute: dict, record: StripeEvent) -> Outcome:
    """charge.dispute.created / .closed: take the purchase's credits back (freezing the account
    for what was already spent), or give them back when the dispute was won."""
    payment_intent = dispute.get("payment_intent") or ""
    purchase = (Purchase.objects.filter(payment_intent_id=payment_intent).first()
                if payment_intent else None)
    if purchase is None:
        return ignored("No purchase on this site was paid with the disputed charge.")
    dispute_id, status = str(dispute.get("id") or ""), dispute.get("status")
    if not dispute_id:
        return rejected("The dispute has no id.")
    if record.type == "charge.dispute.closed" and status == "won":
        won = disputes.purchase_dispute_give_back(dispute_id=dispute_id, stripe_event=record)
        if won is None:
            return ignored(f"Dispute {dispute_id} was won; it had taken nothing back here.")
        return processed(f"Dispute {dispute_id} won: {won.credits_taken} credits given back.")
    if record.type == "charge.dispute.closed" and status != "lost":
        return ignored(f"Dispute {dispute_id} closed as {status!r}; nothing to do.")
    found = disputes.purchase_dispute_take_back(
        purchase=purchase, dispute_id=dispute_id, stripe_event=record,
        lost=record.type == "charge.dispute.closed")
    note = (f"Dispute {dispute_id} on purchase {purchase.pk} ({purchase.user.email}): "
            f"{found.credits_taken} credits taken back")
    if found.shortfall:
        note += f", {found.shortfall} already spent: the account is frozen"
    return processed(note + ".")


HANDLERS = {
    "checkout.session.completed": checkout_paid,
    "checkout.session.async_payment_succeeded": checkout_paid,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": dispute_changed,
    "charge.dispute.closed": dispute_changed,
}
