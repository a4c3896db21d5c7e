"""Fixtures for billing tests: Stripe configured, with a fake transport (no network here)."""

import json

import pytest
import stripe
from django.urls import reverse

from billing import stripe_gateway
from tests.billing.factories import WEBHOOK_SECRET, FakeStripeHTTP


@pytest.fixture
def stripe_configured(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def fake_stripe(monkeypatch, stripe_configured):
    fake = FakeStripeHTTP()
    monkeypatch.setattr(stripe_gateway, "stripe_http_client", lambda: fake)
    return fake


@pytest.fixture
def post_webhook(client):
    """POST like Stripe does: the raw body and a real Stripe-Signature header (through the test
    client, or `via` another one)."""

    def post(event: dict | str, *, secret: str = WEBHOOK_SECRET, signature=None, via=None):
        body = event if isinstance(event, str) else json.dumps(event)
        if signature is None:
            signature = stripe.WebhookSignature.generate_signature_header(body, secret)
        return (via or client).post(reverse("billing:stripe_webhook"), data=body,
                           content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)

    return post
