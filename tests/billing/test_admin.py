import re

import pytest
from django.urls import reverse

from billing.models import CreditAccount, EntryKind, Ledger, LedgerEntry, StripeEvent
from tests.billing.factories import funded_account
from tests.factories import UserFactory


@pytest.fixture
def staff_client(client, db):
    staff = UserFactory(email="support@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


def adjust_url(account):
    return reverse("admin:billing_creditaccount_adjust", args=[account.pk])


def adjustment_form(client, account) -> dict:
    """The adjust form as the browser would submit it, hidden adjustment id included."""
    page = client.get(adjust_url(account)).content.decode()
    adjustment_id = re.search(r'name="adjustment_id" value="([0-9a-f-]+)"', page).group(1)
    return {"adjustment_id": adjustment_id}


@pytest.mark.django_db
def test_ledger_entries_can_be_read_but_not_added_changed_or_deleted(staff_client, owner):
    account = funded_account(owner, Ledger.API, 40)
    entry = LedgerEntry.objects.get(account=account)

    listing = staff_client.get(reverse("admin:billing_ledgerentry_changelist"))
    assert listing.status_code == 200 and "Test funds." in listing.content.decode()
    detail = staff_client.get(reverse("admin:billing_ledgerentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()

    assert staff_client.get(reverse("admin:billing_ledgerentry_add")).status_code == 403
    delete_url = reverse("admin:billing_ledgerentry_delete", args=[entry.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    staff_client.post(reverse("admin:billing_ledgerentry_change", args=[entry.pk]),
                      {"amount": 1000})
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 40


@pytest.mark.django_db
def test_adjusting_credits_needs_a_reason_and_records_the_staff_user(staff_client, owner):
    account = funded_account(owner, Ledger.USER, 40)
    form = adjustment_form(staff_client, account)

    refused = staff_client.post(adjust_url(account), {**form, "amount": "15", "reason": " "})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT).exists()

    done = staff_client.post(adjust_url(account),
                             {**form, "amount": "15", "reason": "Ticket 42: render failed."})
    assert done.status_code == 302
    entry = LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert (entry.amount, entry.reason, entry.staff_user) == (
        15, "Ticket 42: render failed.", staff_client.staff)
    account.refresh_from_db()
    assert account.balance == 55

    # The same form sent twice (double click, back button) adjusts once.
    staff_client.post(adjust_url(account),
                      {**form, "amount": "15", "reason": "Ticket 42: render failed."})
    assert LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT).count() == 1


@pytest.mark.django_db
def test_removing_more_than_is_available_is_refused_with_the_reason(staff_client, owner):
    account = funded_account(owner, Ledger.API, 10)
    response = staff_client.post(adjust_url(account), {
        **adjustment_form(staff_client, account), "amount": "-11", "reason": "Chargeback."})
    assert "Cannot remove 11 API credits; 10 are available." in response.content.decode()
    account.refresh_from_db()
    assert account.balance == 10


@pytest.mark.django_db
def test_adjust_action_opens_the_form_for_one_account(staff_client, owner):
    account = funded_account(owner, Ledger.API, 10)
    response = staff_client.post(reverse("admin:billing_creditaccount_changelist"), {
        "action": "adjust_credits", "_selected_action": [account.pk]})
    assert response.status_code == 302 and response["Location"] == adjust_url(account)


@pytest.mark.django_db
def test_accounts_are_not_edited_directly(staff_client, owner):
    account = funded_account(owner, Ledger.API, 10)
    assert staff_client.get(reverse("admin:billing_creditaccount_add")).status_code == 403
    staff_client.post(reverse("admin:billing_creditaccount_change", args=[account.pk]),
                      {"balance": 999999})
    assert CreditAccount.objects.get(pk=account.pk).balance == 10


@pytest.mark.django_db
def test_non_staff_cannot_adjust(client, owner):
    account = funded_account(owner, Ledger.API, 10)
    client.force_login(owner)
    response = client.post(adjust_url(account), {"amount": "100", "reason": "me"})
    assert response.status_code == 302  # to the admin login
    account.refresh_from_db()
    assert account.balance == 10


@pytest.mark.django_db
def test_stripe_events_are_listed_for_support(staff_client):
    event = StripeEvent.objects.create(stripe_id="evt_support_1", type="charge.refunded",
                                       payload={"id": "evt_support_1"},
                                       status=StripeEvent.Status.REJECTED, note="Look at me.")
    listing = staff_client.get(reverse("admin:billing_stripeevent_changelist")).content.decode()
    assert "evt_support_1" in listing and "Look at me." in listing
    detail = staff_client.get(reverse("admin:billing_stripeevent_change", args=[event.pk]))
    assert "&quot;id&quot;: &quot;evt_support_1&quot;" in detail.content.decode()
