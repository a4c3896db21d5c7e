"""Fixtures for billing tests: Stripe configured, with a fake transport (no network here)."""

import pytest

from billing import stripe_gateway
from tests.billing.helpers import WEBHOOK_SECRET, FakeStripeHTTP


@pytest.fixture
def stripe_configured(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def fake_stripe(monkeypatch, stripe_configured):
    fake = FakeStripeHTTP()
    monkeypatch.setattr(stripe_gateway, "stripe_http_client", lambda: fake)
    return fake
