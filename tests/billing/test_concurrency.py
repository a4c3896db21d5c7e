"""Races that only a real database with row locks can show (PostgreSQL)."""

import pytest
from django.core.management import call_command

from billing.errors import HoldAlreadyReleasedError, InsufficientCreditsError
from billing.models import CreditAccount, EntryKind, Ledger, LedgerEntry
from billing.services import credit_hold_capture, credit_hold_create, credit_hold_release
from tests.billing.factories import funded_account
from tests.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_holds_against_ten_credits_exactly_ten_succeed(run_at_once):
    account = funded_account(UserFactory(), Ledger.API, 10)

    def hold(n):
        return lambda: credit_hold_create(account=account, job_id=f"job-{n}", amount=1).kind

    results = run_at_once(*(hold(n) for n in range(50)))

    assert results.count(EntryKind.HOLD) == 10
    assert results.count(InsufficientCreditsError.__name__) == 40
    account.refresh_from_db()
    assert (account.balance, account.held, account.available) == (10, 10, 0)
    assert LedgerEntry.objects.filter(kind=EntryKind.HOLD).count() == 10
    assert not CreditAccount.objects.filter(held__gt=10).exists()
    call_command("checkledgers")  # the cached columns still equal the sums of the entries


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_capture_and_release_settle_a_hold_once(run_at_once):
    account = funded_account(UserFactory(), Ledger.USER, 50)
    credit_hold_create(account=account, job_id="job-1", amount=20)

    results = run_at_once(
        *[lambda: credit_hold_capture(job_id="job-1", amount=15).kind] * 5,
        *[lambda: credit_hold_release(job_id="job-1").kind] * 5,
    )

    settlements = LedgerEntry.objects.filter(kind__in=[EntryKind.CAPTURE, EntryKind.RELEASE])
    assert settlements.count() == 1
    account.refresh_from_db()
    if settlements.get().kind == EntryKind.CAPTURE:
        assert (account.balance, account.held) == (35, 0)
        assert set(results) == {EntryKind.CAPTURE}
    else:
        assert (account.balance, account.held) == (50, 0)
        assert set(results) == {EntryKind.RELEASE, HoldAlreadyReleasedError.__name__}
    call_command("checkledgers")
