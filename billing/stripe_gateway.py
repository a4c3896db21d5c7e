"""Everything that talks to Stripe, in one place: the client, Checkout, webhook verification.

Calls here are network I/O: never call them inside transaction.atomic. Tests cannot reach
Stripe; they replace `stripe_http_client` with a `stripe.HTTPClient` subclass that answers for it.
"""

import hashlib
import json
import logging

import stripe
from django.conf import settings

from billing.errors import CheckoutError, PaymentsNotConfiguredError

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 20
# Stripe retries webhooks for days, but an event older than this is refused as a replay.
WEBHOOK_TOLERANCE_SECONDS = 300


class WebhookRejected(Exception):
    """A webhook request that is not a verified Stripe event: answer 400, change nothing."""


def payments_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_http_client() -> stripe.HTTPClient:
    """The HTTP transport for Stripe calls (tests replace this function)."""
    return stripe.RequestsClient(timeout=HTTP_TIMEOUT_SECONDS)


def stripe_client() -> stripe.StripeClient:
    if not payments_configured():
        raise PaymentsNotConfiguredError()
    # Retries make stripe-python send an Idempotency-Key, so a retried POST cannot double up.
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, http_client=stripe_http_client(), max_network_retries=2
    )


def customer_create(*, user_id: int, email: str) -> str:
    """Create the Stripe customer for a user; returns its id ("cus_...")."""
    # Two browser tabs buying at once send the same key, so Stripe makes one customer, not two.
    key = "lipsync-customer-" + hashlib.sha256(f"{user_id}:{email}".encode()).hexdigest()[:40]
    try:
        customer = stripe_client().v1.customers.create(
            params={"email": email, "metadata": {"user_id": str(user_id)}},
            options={"idempotency_key": key},
        )
    except stripe.StripeError as exc:
        raise _checkout_error(exc) from exc
    return customer.id


def checkout_session_create(
    *, customer_id: str, user_id: int, pack, success_url: str, cancel_url: str
) -> str:
    """Create a Checkout Session (mode payment) for one credit pack; returns its URL."""
    metadata = {"ledger": pack.ledger, "pack": str(pack.pk)}
    params = {
        "mode": "payment",
        "customer": customer_id,
        "client_reference_id": str(user_id),
        "metadata": metadata,
        # The charge and its refunds can be traced back to the pack from Stripe's dashboard too.
        "payment_intent_data": {"metadata": metadata},
        "line_items": [{
            "quantity": 1,
            "price_data": {
                "currency": pack.currency,
                "unit_amount": pack.price_minor,
                "product_data": {"name": pack.name},
            },
        }],
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    try:
        session = stripe_client().v1.checkout.sessions.create(params=params)
    except stripe.StripeError as exc:
        raise _checkout_error(exc) from exc
    if not session.url:
        raise CheckoutError("Stripe did not return a payment page; please try again.")
    return session.url


def _checkout_error(exc: stripe.StripeError) -> CheckoutError:
    logger.error("Stripe call failed: %s", exc.user_message or exc)
    if isinstance(exc, stripe.APIConnectionError):
        return CheckoutError("The payment provider could not be reached; please try again.")
    return CheckoutError("The payment provider refused to start the payment; please try again "
                         "later or contact support.")


def webhook_event_verify(*, payload: bytes, signature: str) -> dict:
    """The verified event as a plain dict; raises WebhookRejected for anything else."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("Stripe webhook received but STRIPE_WEBHOOK_SECRET is not set.")
        raise WebhookRejected("STRIPE_WEBHOOK_SECRET is not set, so events cannot be verified.")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, WEBHOOK_TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError:
        raise WebhookRejected("The Stripe-Signature header does not match this body.") from None
    except (ValueError, TypeError, AttributeError):
        # Signed, but not a JSON object (construct_event parses after verifying).
        raise WebhookRejected("The body is not a Stripe event.") from None
    event = json.loads(payload)
    data = event.get("data")
    if not (isinstance(event.get("id"), str) and isinstance(event.get("type"), str)
            and isinstance(data, dict) and isinstance(data.get("object"), dict)):
        raise WebhookRejected("The body is not a Stripe event.")
    return event
