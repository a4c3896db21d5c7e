"""Buying a pack: the Checkout Session request as Stripe receives it (through a fake transport)."""

import pytest
from django.test import Client
from django.urls import reverse

from billing import stripe_gateway
from billing.models import Ledger, StripeCustomer
from tests.billing.factories import CreditPackFactory


def buy(client, pack):
    return client.post(reverse("billing:buy", args=[pack.pk]))


@pytest.mark.django_db
def test_buy_creates_a_checkout_session_for_the_pack_and_redirects_to_it(
    client, owner, fake_stripe, settings
):
    settings.SITE_URL = "https://lipsync.example.com"
    pack = CreditPackFactory(ledger=Ledger.USER, name="Creator", credits=1000, price_minor=1200)
    client.force_login(owner)

    response = buy(client, pack)

    assert response.status_code == 303
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_123"
    [session] = fake_stripe.calls_to("/v1/checkout/sessions")
    assert session.headers["Authorization"] == "Bearer sk_test_fake"
    assert session.params == {
        "mode": "payment",
        "customer": "cus_test_1",
        "client_reference_id": str(owner.pk),
        "metadata[ledger]": "user",
        "metadata[pack]": str(pack.pk),
        "payment_intent_data[metadata][ledger]": "user",
        "payment_intent_data[metadata][pack]": str(pack.pk),
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "1200",
        "line_items[0][price_data][product_data][name]": "Creator",
        "success_url": "https://lipsync.example.com/billing/checkout/success/"
                       "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://lipsync.example.com/billing/checkout/cancel/",
    }


@pytest.mark.django_db
def test_one_stripe_customer_per_user_is_reused(client, owner, outsider, fake_stripe):
    pack = CreditPackFactory()
    client.force_login(owner)
    buy(client, pack)
    buy(client, pack)
    [created] = fake_stripe.calls_to("/v1/customers")
    assert created.params == {"email": owner.email, "metadata[user_id]": str(owner.pk)}
    assert created.headers["Idempotency-Key"].startswith("lipsync-customer-")
    assert StripeCustomer.objects.get(user=owner).customer_id == "cus_test_1"
    assert [s.params["customer"] for s in fake_stripe.calls_to("/v1/checkout/sessions")] == [
        "cus_test_1", "cus_test_1"]

    other = Client()
    other.force_login(outsider)
    buy(other, pack)
    assert StripeCustomer.objects.get(user=outsider).customer_id == "cus_test_2"


@pytest.mark.django_db
def test_without_a_stripe_key_buying_explains_and_calls_nobody(client, owner, settings,
                                                                monkeypatch):
    settings.STRIPE_SECRET_KEY = ""
    monkeypatch.setattr(stripe_gateway, "stripe_http_client",
                        lambda: pytest.fail("Stripe must not be called"))
    pack = CreditPackFactory(name="Big pack")
    client.force_login(owner)

    page = client.get(reverse("billing:overview")).content.decode()
    assert "Payments are not configured on this site yet" in page
    assert "Big pack" in page and "disabled" in page

    response = buy(client, pack)
    assert response.status_code == 302 and response["Location"] == reverse("billing:overview")
    followed = client.get(response["Location"]).content.decode()
    assert "Payments are not configured on this site yet, so credits cannot be bought" in followed


@pytest.mark.django_db
def test_stripe_refusing_the_session_shows_a_message_and_charges_nothing(client, owner,
                                                                         fake_stripe):
    fake_stripe.fail_with = (400, {"error": {"type": "invalid_request_error",
                                             "message": "Invalid currency"}})
    client.force_login(owner)
    response = buy(client, CreditPackFactory())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The payment could not be started; nothing was charged." in page
    assert not StripeCustomer.objects.exists()


@pytest.mark.django_db
def test_only_active_packs_can_be_bought(client, owner, fake_stripe):
    client.force_login(owner)
    assert buy(client, CreditPackFactory(active=False)).status_code == 404
    assert client.post(reverse("billing:buy", args=[999999])).status_code == 404
    assert fake_stripe.requests == []


@pytest.mark.django_db
def test_buy_needs_login_post_and_csrf(owner, fake_stripe):
    pack = CreditPackFactory()
    anonymous = Client()
    response = buy(anonymous, pack)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert buy(browser, pack).status_code == 403
    assert browser.get(reverse("billing:buy", args=[pack.pk])).status_code == 405
    assert fake_stripe.requests == []
