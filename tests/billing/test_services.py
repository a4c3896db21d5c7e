import uuid

import pytest
from django.db import IntegrityError, transaction

from billing.errors import (
    HoldAlreadyReleasedError,
    HoldNotFoundError,
    IdempotencyConflictError,
    InsufficientCreditsError,
)
from billing.models import CreditAccount, EntryKind, Ledger, LedgerEntry
from billing.selectors import credit_balance_get
from billing.services import (
    credit_account_get_or_create,
    credit_hold_capture,
    credit_hold_create,
    credit_hold_release,
    credits_adjust,
    credits_grant,
)
from tests.billing.factories import funded_account
from tests.factories import UserFactory


def balance_of(account):
    account.refresh_from_db()
    return account.balance, account.held, account.available


@pytest.mark.django_db
def test_each_user_has_one_account_per_ledger(owner):
    api = credit_account_get_or_create(user=owner, ledger=Ledger.API)
    assert credit_account_get_or_create(user=owner, ledger="api") == api
    user = credit_account_get_or_create(user=owner, ledger=Ledger.USER)
    assert user != api
    assert CreditAccount.objects.filter(user=owner).count() == 2
    with pytest.raises(ValueError, match="Unknown ledger"):
        credit_account_get_or_create(user=owner, ledger="gold")


@pytest.mark.django_db
def test_balance_of_a_user_without_an_account_is_zero(owner):
    balance = credit_balance_get(user=owner, ledger=Ledger.API)
    assert (balance.balance, balance.held, balance.available) == (0, 0, 0)
    assert not CreditAccount.objects.exists()


@pytest.mark.django_db
def test_grant_is_idempotent_per_key(owner):
    account = credit_account_get_or_create(user=owner, ledger=Ledger.API)
    first = credits_grant(account=account, amount=50, reason="Welcome.", idempotency_key="k1")
    again = credits_grant(account=account, amount=50, reason="Welcome.", idempotency_key="k1")
    assert again == first
    assert balance_of(account) == (50, 0, 50)
    with pytest.raises(IdempotencyConflictError):
        credits_grant(account=account, amount=60, reason="Welcome.", idempotency_key="k1")
    assert balance_of(account) == (50, 0, 50)


@pytest.mark.django_db
def test_grant_on_one_ledger_leaves_the_other_alone(owner):
    funded_account(owner, Ledger.API, 100)
    assert credit_balance_get(user=owner, ledger=Ledger.USER).balance == 0
    user_account = credit_account_get_or_create(user=owner, ledger=Ledger.USER)
    with pytest.raises(InsufficientCreditsError) as caught:
        credit_hold_create(account=user_account, job_id="job-1", amount=10)
    assert str(caught.value) == "This job needs 10 user credits; 0 are available."
    assert credit_balance_get(user=owner, ledger=Ledger.API).available == 100


@pytest.mark.django_db
def test_hold_reserves_credits_and_refuses_what_is_not_available(owner):
    account = funded_account(owner, Ledger.API, 25)
    hold = credit_hold_create(account=account, job_id=uuid.UUID(int=1), amount=20)
    assert (hold.kind, hold.amount, hold.job_id) == (EntryKind.HOLD, 20, str(uuid.UUID(int=1)))
    assert balance_of(account) == (25, 20, 5)

    with pytest.raises(InsufficientCreditsError) as caught:
        credit_hold_create(account=account, job_id="job-2", amount=20)
    assert (caught.value.needed, caught.value.available) == (20, 5)
    assert str(caught.value) == "This job needs 20 API credits; 5 are available."
    assert balance_of(account) == (25, 20, 5)
    assert not LedgerEntry.objects.filter(job_id="job-2").exists()


@pytest.mark.django_db
def test_insufficient_message_is_grammatical_for_one_credit(owner):
    account = funded_account(owner, Ledger.API, 1)
    with pytest.raises(InsufficientCreditsError, match=r"^This job needs 2 API credits; 1 is "):
        credit_hold_create(account=account, job_id="j", amount=2)


@pytest.mark.django_db
def test_hold_again_for_the_same_job_returns_the_first_hold(owner):
    account = funded_account(owner, Ledger.API, 100)
    first = credit_hold_create(account=account, job_id="job-1", amount=30)
    assert credit_hold_create(account=account, job_id="job-1", amount=30) == first
    assert balance_of(account) == (100, 30, 70)
    with pytest.raises(IdempotencyConflictError):
        credit_hold_create(account=account, job_id="job-1", amount=40)


@pytest.mark.django_db
def test_partial_capture_charges_what_was_used_and_returns_the_rest(owner):
    account = funded_account(owner, Ledger.API, 100)
    credit_hold_create(account=account, job_id="job-1", amount=40)
    capture = credit_hold_capture(job_id="job-1", amount=25)
    assert (capture.kind, capture.amount) == (EntryKind.CAPTURE, 25)
    assert balance_of(account) == (75, 0, 75)
    # Idempotent: a retried capture returns the first one and charges nothing more.
    assert credit_hold_capture(job_id="job-1", amount=25) == capture
    assert balance_of(account) == (75, 0, 75)


@pytest.mark.django_db
def test_capture_never_charges_more_than_was_held(owner):
    account = funded_account(owner, Ledger.API, 100)
    credit_hold_create(account=account, job_id="job-1", amount=20)
    assert credit_hold_capture(job_id="job-1", amount=90).amount == 20
    assert balance_of(account) == (80, 0, 80)


@pytest.mark.django_db
def test_release_twice_releases_once(owner):
    account = funded_account(owner, Ledger.USER, 50)
    credit_hold_create(account=account, job_id="job-1", amount=20)
    release = credit_hold_release(job_id="job-1")
    assert (release.kind, release.amount) == (EntryKind.RELEASE, 20)
    assert credit_hold_release(job_id="job-1") == release
    assert balance_of(account) == (50, 0, 50)
    assert LedgerEntry.objects.filter(kind=EntryKind.RELEASE).count() == 1


@pytest.mark.django_db
def test_release_after_capture_changes_nothing(owner):
    account = funded_account(owner, Ledger.API, 50)
    credit_hold_create(account=account, job_id="job-1", amount=20)
    capture = credit_hold_capture(job_id="job-1", amount=20)
    assert credit_hold_release(job_id="job-1") == capture
    assert balance_of(account) == (30, 0, 30)
    assert not LedgerEntry.objects.filter(kind=EntryKind.RELEASE).exists()


@pytest.mark.django_db
def test_capture_after_release_is_refused(owner):
    account = funded_account(owner, Ledger.API, 50)
    credit_hold_create(account=account, job_id="job-1", amount=20)
    credit_hold_release(job_id="job-1")
    with pytest.raises(HoldAlreadyReleasedError):
        credit_hold_capture(job_id="job-1", amount=20)
    assert balance_of(account) == (50, 0, 50)


@pytest.mark.django_db
def test_settling_a_job_without_a_hold(owner):
    assert credit_hold_release(job_id="never-held") is None
    with pytest.raises(HoldNotFoundError, match="No credits are held for job never-held."):
        credit_hold_capture(job_id="never-held", amount=5)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [0, -5, 2.5, True])
def test_hold_amount_must_be_a_positive_whole_number(owner, amount):
    account = funded_account(owner, Ledger.API, 50)
    with pytest.raises(ValueError):
        credit_hold_create(account=account, job_id="j", amount=amount)
    assert balance_of(account) == (50, 0, 50)


@pytest.mark.django_db
def test_adjust_records_the_staff_user_and_reason_and_stops_at_available(owner):
    staff = UserFactory(is_staff=True)
    account = funded_account(owner, Ledger.API, 30)
    credit_hold_create(account=account, job_id="job-1", amount=20)

    entry = credits_adjust(account=account, amount=-10, reason="Duplicate grant.",
                           staff_user=staff)
    assert (entry.kind, entry.amount, entry.staff_user, entry.reason) == (
        EntryKind.ADJUSTMENT, -10, staff, "Duplicate grant.")
    assert entry.idempotency_key.startswith("adjustment:")
    assert balance_of(account) == (20, 20, 0)

    with pytest.raises(InsufficientCreditsError) as caught:
        credits_adjust(account=account, amount=-1, reason="Too far.", staff_user=staff)
    assert str(caught.value) == "Cannot remove 1 API credit; 0 are available."
    credits_adjust(account=account, amount=5, reason="Goodwill.", staff_user=staff)
    assert balance_of(account) == (25, 20, 5)


@pytest.mark.django_db
def test_adjust_needs_a_reason_a_staff_user_and_a_nonzero_amount(owner):
    account = funded_account(owner, Ledger.API, 30)
    staff = UserFactory(is_staff=True)
    with pytest.raises(ValueError, match="reason"):
        credits_adjust(account=account, amount=5, reason="  ", staff_user=staff)
    with pytest.raises(ValueError, match="staff"):
        credits_adjust(account=account, amount=5, reason="x", staff_user=owner)
    with pytest.raises(ValueError):
        credits_adjust(account=account, amount=0, reason="x", staff_user=staff)
    assert balance_of(account) == (30, 0, 30)


@pytest.mark.django_db
def test_adjust_with_the_same_id_adjusts_once(owner):
    account = funded_account(owner, Ledger.API, 30)
    staff = UserFactory(is_staff=True)
    for _ in range(2):
        credits_adjust(account=account, amount=7, reason="x", staff_user=staff,
                       idempotency_key="adjustment:abc")
    assert balance_of(account) == (37, 0, 37)


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted(owner):
    account = funded_account(owner, Ledger.API, 30)
    entry = LedgerEntry.objects.get(account=account)
    entry.amount = 1000
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    # Even a bulk UPDATE that bypasses the model is refused by the database.
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1000)
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 30


@pytest.mark.django_db
def test_database_refuses_a_negative_balance_or_a_hold_above_it(owner):
    account = funded_account(owner, Ledger.API, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(balance=-1, held=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(held=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(held=-1)
    assert balance_of(account) == (10, 0, 10)


@pytest.mark.django_db
def test_database_refuses_an_entry_whose_effect_does_not_match_its_kind(owner):
    account = funded_account(owner, Ledger.API, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        # A "grant" that quietly holds credits instead.
        LedgerEntry.objects.create(account=account, kind=EntryKind.GRANT, amount=5,
                                   balance_change=0, held_change=5, reason="x",
                                   idempotency_key="bad-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        # An adjustment without the staff user who made it.
        LedgerEntry.objects.create(account=account, kind=EntryKind.ADJUSTMENT, amount=5,
                                   balance_change=5, held_change=0, reason="x",
                                   idempotency_key="bad-2")
