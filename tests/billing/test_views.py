"""The billing page, as the customer sees it."""

import re

import pytest
from django.urls import reverse

from billing.models import Ledger, Purchase
from billing.services import credit_hold_create
from tests.billing.factories import CreditPackFactory, funded_account, paid_session, stripe_event


def balance_card(page: str, ledger: str) -> dict:
    card = re.search(rf'data-ledger="{ledger}">(.*?)</div>', page, re.S).group(1)
    return {name: int(re.search(rf'class="{name}">([\d,]+)<', card).group(1).replace(",", ""))
            for name in ("available", "held", "total")}


@pytest.mark.django_db
def test_billing_needs_login(client):
    response = client.get(reverse("billing:overview"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_page_shows_both_balances_with_available_and_held(client, owner):
    account = funded_account(owner, Ledger.API, 1200)
    credit_hold_create(account=account, job_id="job-1", amount=200)
    funded_account(owner, Ledger.USER, 30)
    client.force_login(owner)

    page = client.get(reverse("billing:overview")).content.decode()

    assert balance_card(page, "api") == {"available": 1000, "held": 200, "total": 1200}
    assert balance_card(page, "user") == {"available": 30, "held": 0, "total": 30}
    assert "2 credits per second at 480p and 4 credits per second at 720p" in page


@pytest.mark.django_db
def test_packs_are_listed_under_their_ledger_and_inactive_ones_hidden(
    client, owner, stripe_configured
):
    CreditPackFactory(ledger=Ledger.API, name="Api Pack Z", price_minor=1234)
    CreditPackFactory(ledger=Ledger.USER, name="User Pack Z")
    CreditPackFactory(ledger=Ledger.USER, name="Retired Pack Z", active=False)
    client.force_login(owner)

    page = client.get(reverse("billing:overview")).content.decode()

    packs = page[page.index('id="packs"'):page.index('id="history"')]
    api_section, user_section = packs.index("API credits"), packs.index("User credits")
    assert api_section < packs.index("Api Pack Z") < user_section < packs.index("User Pack Z")
    assert "12.34 USD" in packs
    assert "Retired Pack Z" not in page
    assert "Payments are not configured" not in page


@pytest.mark.django_db
def test_history_is_the_users_own_paginated_and_filterable(client, owner, outsider):
    account = funded_account(owner, Ledger.API, 100)
    for n in range(30):
        credit_hold_create(account=account, job_id=f"job-{n:02d}", amount=1)
    funded_account(owner, Ledger.USER, 5)
    funded_account(outsider, Ledger.API, 77)
    client.force_login(owner)

    first = client.get(reverse("billing:overview")).content.decode()
    assert "Page 1 of 2" in first
    assert "Held for job job-29." in first and "Held for job job-00." not in first
    second = client.get(reverse("billing:overview"), {"page": 2}).content.decode()
    assert "Held for job job-00." in second
    assert "77" not in re.search(r'<table class="table history">(.*?)</table>', first + second,
                                 re.S).group(1)

    only_user = client.get(reverse("billing:overview"), {"ledger": "user"}).content.decode()
    history = re.search(r'<table class="table history">(.*?)</table>', only_user, re.S).group(1)
    assert history.count("<tr>") == 2  # the header and the one user-credit grant


@pytest.mark.django_db
def test_purchases_are_listed_and_the_success_page_names_the_credits(
        client, owner, outsider, stripe_configured, post_webhook):
    pack = CreditPackFactory(ledger=Ledger.USER, name="Creator", credits=1000, price_minor=1200)
    post_webhook(stripe_event("checkout.session.completed",
                                      paid_session(user=owner, pack=pack, session_id="cs_1")))
    assert Purchase.objects.filter(user=owner).exists()
    client.force_login(owner)

    page = client.get(reverse("billing:overview")).content.decode()
    purchases = re.search(r'<table class="table purchases">(.*?)</table>', page, re.S).group(1)
    assert "Creator" in purchases and "12.00 USD" in purchases and "Paid" in purchases

    success = client.get(reverse("billing:checkout_success"), {"session_id": "cs_1"})
    assert "1,000 User credits were added to your account." in success.content.decode()

    client.force_login(outsider)
    theirs = client.get(reverse("billing:checkout_success"), {"session_id": "cs_1"})
    assert "were added" not in theirs.content.decode()
    assert "as soon as Stripe confirms it" in theirs.content.decode()


@pytest.mark.django_db
def test_cancel_page_says_nothing_was_charged(client, owner):
    client.force_login(owner)
    page = client.get(reverse("billing:checkout_cancel")).content.decode()
    assert "You were not charged" in page


@pytest.mark.django_db
@pytest.mark.parametrize("configured", [False, True])
def test_buy_buttons_are_disabled_and_say_why_when_payments_are_off(client, owner, settings,
                                                                     configured):
    settings.STRIPE_SECRET_KEY = "sk_test_fake" if configured else ""
    CreditPackFactory(name="Starter", ledger=Ledger.USER)
    client.force_login(owner)
    page = client.get(reverse("billing:overview")).content.decode()
    button = re.search(r"<button type=\"submit\"[^>]*>Buy</button>", page).group(0)
    if configured:
        assert "disabled" not in button and "Payments are not configured" not in page
    else:
        assert " disabled " in button and 'aria-describedby="payments-off"' in button
        assert '<p class="notice" id="payments-off">Payments are not configured' in page
        assert '<small class="unavailable">Payments are not configured</small>' in page

