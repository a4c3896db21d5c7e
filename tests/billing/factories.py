"""Billing test data: credit packs, funded accounts, and Stripe without a network (a fake
transport answering the few endpoints the site calls; event and session objects as Stripe sends
them)."""

import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

import factory
import stripe

from billing.models import CreditPack, Ledger
from billing.services import credit_account_get_or_create, credits_grant


class CreditPackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditPack

    name = factory.Sequence(lambda n: f"Test pack {n}")
    ledger = Ledger.API
    credits = 500
    price_minor = 700
    currency = "usd"
    active = True


def funded_account(user, ledger: str = Ledger.API, credits: int = 100):
    """A credit account holding `credits`, funded through a grant entry like real ones."""
    account = credit_account_get_or_create(user=user, ledger=ledger)
    if credits:
        credits_grant(account=account, amount=credits, reason="Test funds.",
                      idempotency_key=f"test-funds:{account.pk}:{account.balance}:{credits}")
    account.refresh_from_db()
    return account


WEBHOOK_SECRET = "whsec_test_secret_for_billing_tests"


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
