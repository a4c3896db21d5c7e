import json
import time

import pytest
import stripe
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from billing.models import EntryKind, Ledger, LedgerEntry, Purchase, StripeEvent
from billing.selectors import credit_balance_get
from billing.services import credit_hold_capture, credit_hold_create
from tests.apikeys.factories import key_client
from tests.billing.factories import (
    WEBHOOK_SECRET,
    CreditPackFactory,
    funded_account,
    paid_session,
    stripe_event,
)

pytestmark = pytest.mark.usefixtures("stripe_configured")


def api_balance(user):
    return credit_balance_get(user=user, ledger=Ledger.API)


def completed_event(user, pack, event_id="evt_paid_1", **session_overrides):
    return stripe_event("checkout.session.completed",
                        paid_session(user=user, pack=pack, **session_overrides), event_id)


def refund_event(purchase, *, amount_refunded, event_id="evt_refund_1", payment_intent=None):
    charge = {"id": "ch_test_1", "object": "charge", "amount": purchase.amount_total,
              "amount_refunded": amount_refunded,
              "payment_intent": payment_intent or purchase.payment_intent_id,
              "refunded": amount_refunded == purchase.amount_total, "currency": "usd"}
    return stripe_event("charge.refunded", charge, event_id)


@pytest.mark.django_db
def test_paid_checkout_grants_the_pack_once_however_often_stripe_retries(
        client, owner, post_webhook):
    pack = CreditPackFactory(ledger=Ledger.API, credits=500, price_minor=700)
    event = completed_event(owner, pack)

    responses = [post_webhook(event) for _ in range(5)]

    assert [r.status_code for r in responses] == [200] * 5
    assert [r.json()["duplicate"] for r in responses] == [False, True, True, True, True]
    assert api_balance(owner).available == 500
    assert LedgerEntry.objects.filter(kind=EntryKind.GRANT).count() == 1
    assert credit_balance_get(user=owner, ledger=Ledger.USER).balance == 0
    purchase = Purchase.objects.get()
    assert (purchase.user, purchase.pack, purchase.credits, purchase.amount_total) == (
        owner, pack, 500, 700)
    stored = StripeEvent.objects.get()
    assert (stored.stripe_id, stored.status) == ("evt_paid_1", StripeEvent.Status.PROCESSED)
    assert stored.payload == event


@pytest.mark.django_db
def test_a_second_event_for_the_same_session_grants_nothing_more(client, owner, post_webhook):
    pack = CreditPackFactory(ledger=Ledger.USER, credits=200, price_minor=300)
    post_webhook(completed_event(owner, pack, event_id="evt_a"))
    again = stripe_event("checkout.session.async_payment_succeeded",
                         paid_session(user=owner, pack=pack), "evt_b")
    assert post_webhook(again).status_code == 200
    assert credit_balance_get(user=owner, ledger=Ledger.USER).balance == 200
    assert StripeEvent.objects.count() == 2


@pytest.mark.django_db
def test_unpaid_checkout_waits_for_the_async_payment(client, owner, post_webhook):
    pack = CreditPackFactory()
    post_webhook(completed_event(owner, pack, payment_status="unpaid"))
    assert api_balance(owner).balance == 0
    assert StripeEvent.objects.get().status == StripeEvent.Status.IGNORED

    paid = stripe_event("checkout.session.async_payment_succeeded",
                        paid_session(user=owner, pack=pack), "evt_later")
    post_webhook(paid)
    assert api_balance(owner).balance == pack.credits


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"amount_total": 1}, "paid 1 usd, but pack"),
        ({"currency": "eur"}, "paid 700 eur"),
        ({"metadata": {"ledger": "user", "pack": "PACK"}}, "does not exist"),
        ({"metadata": {}}, "metadata names no ledger"),
        ({"client_reference_id": "999999"}, "is no user of this site"),
    ],
)
def test_a_checkout_that_does_not_match_its_pack_is_kept_for_support_and_grants_nothing(
        client, owner, overrides, problem, post_webhook):
    pack = CreditPackFactory(ledger=Ledger.API, price_minor=700)
    if overrides.get("metadata", {}).get("pack") == "PACK":
        overrides["metadata"]["pack"] = str(pack.pk)  # an API pack claimed for the user ledger
    response = post_webhook(completed_event(owner, pack, **overrides))
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.status == StripeEvent.Status.REJECTED
    assert problem in stored.note
    assert not LedgerEntry.objects.exists() and not Purchase.objects.exists()


@pytest.mark.django_db
def test_tampered_body_is_refused_and_changes_nothing(client, owner, outsider, post_webhook):
    pack = CreditPackFactory(credits=500)
    body = json.dumps(completed_event(owner, pack))
    signature = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    # Same signature, but the credits now go to somebody else's account.
    tampered = body.replace(f'"client_reference_id": "{owner.pk}"',
                            f'"client_reference_id": "{outsider.pk}"')
    assert tampered != body

    response = post_webhook(tampered, signature=signature)

    assert response.status_code == 400
    assert "does not match" in response.content.decode()
    assert not StripeEvent.objects.exists() and not LedgerEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=deadbeef", "garbage", None],
    ids=["missing", "wrong", "malformed", "other-secret"],
)
def test_bad_signatures_are_refused(client, owner, signature, post_webhook):
    pack = CreditPackFactory()
    event = completed_event(owner, pack)
    if signature is None:
        response = post_webhook(event, secret="whsec_someone_else")
    else:
        response = post_webhook(event, signature=signature)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists() and api_balance(owner).balance == 0


@pytest.mark.django_db
def test_a_replayed_old_signature_is_refused(client, owner, post_webhook):
    body = json.dumps(completed_event(owner, CreditPackFactory()))
    old = stripe.WebhookSignature.generate_signature_header(
        body, WEBHOOK_SECRET, timestamp=int(time.time()) - 3600)
    assert post_webhook(body, signature=old).status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"id": "evt_1"}', "\"text\""])
def test_signed_bodies_that_are_not_events_are_refused(client, body, post_webhook):
    response = post_webhook(body)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_without_a_webhook_secret_nothing_is_accepted(client, owner, settings, post_webhook):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert post_webhook(completed_event(owner, CreditPackFactory())).status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_unknown_events_are_recorded_and_ignored(client, post_webhook):
    response = post_webhook(stripe_event("customer.created", {"id": "cus_1"}, "evt_x"))
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert (stored.type, stored.status) == ("customer.created", StripeEvent.Status.IGNORED)


@pytest.mark.django_db
def test_webhook_only_accepts_post(client):
    assert client.get(reverse("billing:stripe_webhook")).status_code == 405


@pytest.fixture
def purchase(client, owner, post_webhook):
    pack = CreditPackFactory(ledger=Ledger.API, credits=500, price_minor=1000)
    post_webhook(completed_event(owner, pack))
    return Purchase.objects.get()


@pytest.mark.django_db
def test_full_refund_takes_the_credits_back_once(client, owner, purchase, post_webhook):
    for _ in range(3):
        assert post_webhook(refund_event(purchase, amount_refunded=1000)).status_code == 200
    assert api_balance(owner).balance == 0
    refund = LedgerEntry.objects.get(kind=EntryKind.REFUND)
    assert (refund.amount, refund.purchase) == (500, purchase)
    purchase.refresh_from_db()
    assert (purchase.status, purchase.refunded_credits, purchase.refund_shortfall) == (
        Purchase.Status.REFUNDED, 500, 0)


@pytest.mark.django_db
def test_partial_refunds_take_back_their_share_step_by_step(client, owner, purchase, post_webhook):
    post_webhook(refund_event(purchase, amount_refunded=400, event_id="evt_r1"))
    assert api_balance(owner).balance == 300
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PARTIALLY_REFUNDED

    post_webhook(refund_event(purchase, amount_refunded=1000, event_id="evt_r2"))
    assert api_balance(owner).balance == 0
    assert list(LedgerEntry.objects.filter(kind=EntryKind.REFUND).values_list(
        "amount", flat=True).order_by("id")) == [200, 300]


@pytest.mark.django_db
def test_refund_after_spending_takes_what_is_available_and_records_the_shortfall(
        client, owner, purchase, post_webhook):
    account = purchase.account
    credit_hold_create(account=account, job_id="running-job", amount=350)

    post_webhook(refund_event(purchase, amount_refunded=1000))

    account.refresh_from_db()
    assert (account.balance, account.held, account.available) == (350, 350, 0)
    refund = LedgerEntry.objects.get(kind=EntryKind.REFUND)
    assert refund.amount == 150
    assert "150 of 500 credits taken back; 350 were already used." in refund.reason
    purchase.refresh_from_db()
    assert (purchase.refunded_credits, purchase.refund_shortfall) == (500, 350)
    call_command("checkledgers")


@pytest.mark.django_db
def test_refund_of_a_charge_this_site_does_not_know_is_ignored(
        client, owner, purchase, post_webhook):
    event = refund_event(purchase, amount_refunded=1000, payment_intent="pi_not_ours")
    assert post_webhook(event).status_code == 200
    assert StripeEvent.objects.get(stripe_id="evt_refund_1").status == StripeEvent.Status.IGNORED
    assert api_balance(owner).balance == 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_grant_once(owner, post_webhook, run_at_once):
    pack = CreditPackFactory(credits=500)
    body = json.dumps(completed_event(owner, pack))

    results = run_at_once(*[lambda: post_webhook(body, via=Client()).status_code] * 5)

    assert results == ["200"] * 5
    assert api_balance(owner).balance == 500
    assert LedgerEntry.objects.count() == 1 and StripeEvent.objects.count() == 1


def dispute_event(purchase, *, event_type="charge.dispute.created", status="needs_response",
                  event_id="evt_dispute_1", dispute_id="dp_test_1"):
    dispute = {"id": dispute_id, "object": "dispute", "amount": purchase.amount_total,
               "charge": "ch_test_1", "payment_intent": purchase.payment_intent_id,
               "currency": "usd", "reason": "fraudulent", "status": status}
    return stripe_event(event_type, dispute, event_id)


@pytest.mark.django_db
def test_a_dispute_takes_the_purchases_credits_back_once(client, owner, purchase, post_webhook,
                                                         admin_client):
    for _ in range(3):  # Stripe retries the event
        assert post_webhook(dispute_event(purchase)).status_code == 200
    lost = dispute_event(purchase, event_type="charge.dispute.closed", status="lost",
                         event_id="evt_dispute_2")
    assert post_webhook(lost).status_code == 200

    assert api_balance(owner).balance == 0
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.DISPUTED
    note = StripeEvent.objects.get(stripe_id="evt_dispute_1").note
    assert "Dispute dp_test_1" in note and "500 credits taken back" in note
    # Support sees it: the dispute, lost, with what it took.
    page = admin_client.get(reverse("admin:billing_dispute_changelist")).content.decode()
    assert "dp_test_1" in page and "Lost" in page
    call_command("checkledgers")


@pytest.mark.django_db
def test_a_dispute_after_spending_freezes_the_account_never_a_negative_balance(
        client, owner, purchase, post_webhook, public_dns):
    account = purchase.account
    credit_hold_create(account=account, job_id="spent-job", amount=350)
    credit_hold_capture(job_id="spent-job", amount=350)  # 350 of the 500 credits were used

    post_webhook(dispute_event(purchase))

    account.refresh_from_db()
    assert (account.balance, account.held) == (0, 0) and account.frozen_at is not None
    assert "350 were already used" in account.frozen_reason
    # A frozen account cannot submit, and is told why.
    funded_account(owner, Ledger.API, 100)  # even with new credits
    response = key_client(owner).post("/api/v1/lipsync-image", {"formState": {
        "image": "https://example.com/p.png", "audio": "https://example.com/a.mp3"}},
        format="json")
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_credits"
    assert "credits are frozen" in response.json()["error"]
    call_command("checkledgers")

    # The dispute won: the credits come back and the freeze is lifted.
    won = dispute_event(purchase, event_type="charge.dispute.closed", status="won",
                        event_id="evt_dispute_won")
    post_webhook(won)
    post_webhook(won)
    account.refresh_from_db()
    assert (account.balance, account.frozen_at) == (250, None)
    purchase.refresh_from_db()
    assert (purchase.status, purchase.refunded_credits, purchase.refund_shortfall) == (
        Purchase.Status.PAID, 0, 0)
    call_command("checkledgers")
