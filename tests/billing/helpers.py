"""Billing test helpers: Stripe without a network (fake transport, signed events), races."""

import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

import pytest
import stripe
from django.db import connection
from django.urls import reverse

WEBHOOK_SECRET = "whsec_test_secret_for_billing_tests"

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and concurrent transactions need PostgreSQL (SQLite has one writer)",
)


@dataclass
class StripeRequest:
    method: str
    path: str
    headers: dict
    params: dict


class FakeStripeHTTP(stripe.HTTPClient):
    """Answers the few Stripe endpoints the site calls and records every request."""

    name = "fake-stripe"

    def __init__(self):
        super().__init__()
        self.requests: list[StripeRequest] = []
        self.fail_with: tuple[int, dict] | None = None
        self.customers = 0

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = url.split("api.stripe.com", 1)[1]
        params = dict(parse_qsl(post_data or ""))
        self.requests.append(StripeRequest(method, path, dict(headers or {}), params))
        if self.fail_with:
            status, body = self.fail_with
            return json.dumps(body), status, {}
        if (method, path) == ("post", "/v1/customers"):
            self.customers += 1
            return json.dumps({"id": f"cus_test_{self.customers}", "object": "customer"}), 200, {}
        if (method, path) == ("post", "/v1/checkout/sessions"):
            body = {"id": "cs_test_123", "object": "checkout.session",
                    "url": "https://checkout.stripe.com/c/pay/cs_test_123"}
            return json.dumps(body), 200, {}
        return json.dumps({"error": {"type": "invalid_request_error",
                                     "message": f"No fake for {method} {path}"}}), 404, {}

    def close(self):
        pass

    def calls_to(self, path: str) -> list[StripeRequest]:
        return [request for request in self.requests if request.path == path]


def stripe_event(event_type: str, obj: dict, event_id: str = "evt_test_1") -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "livemode": False,
            "created": int(time.time()), "api_version": stripe.api_version,
            "data": {"object": obj}}


def paid_session(*, user, pack, session_id: str = "cs_test_123", **overrides) -> dict:
    """A checkout.session object as Stripe sends it for a session this site created."""
    session = {
        "id": session_id, "object": "checkout.session", "mode": "payment",
        "payment_status": "paid", "status": "complete",
        "client_reference_id": str(user.pk),
        "metadata": {"ledger": pack.ledger, "pack": str(pack.pk)},
        "amount_total": pack.price_minor, "currency": pack.currency,
        "customer": "cus_test_1", "payment_intent": f"pi_for_{session_id}",
    }
    session.update(overrides)
    return session


def post_webhook(client, event: dict | str, *, secret: str = WEBHOOK_SECRET, signature=None):
    """POST like Stripe does: the raw body and a real Stripe-Signature header."""
    body = event if isinstance(event, str) else json.dumps(event)
    if signature is None:
        signature = stripe.WebhookSignature.generate_signature_header(body, secret)
    return client.post(reverse("billing:stripe_webhook"), data=body,
                       content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def run_at_once(*calls) -> list[str]:
    """Run each call in its own thread (so its own database connection), all released together.

    Returns one word per call: its return value as str, or the exception's class name.
    """
    barrier = threading.Barrier(len(calls))
    results: list[str] = [""] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = str(call())
        except Exception as exc:  # noqa: BLE001 - the test asserts on what was raised
            results[index] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
