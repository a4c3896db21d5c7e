"""billing.refunds.credit_job_refund: a completed job's captured credits go back, once."""

import pytest

from billing.models import EntryKind, LedgerEntry
from billing.refunds import NothingToRefundError, credit_job_refund, job_refund_key
from billing.selectors import credit_balance_get
from tests.factories import UserFactory
from tests.generation.factories import make_completed_job, make_failed_job, make_running_job

pytestmark = pytest.mark.django_db


def test_refund_returns_what_was_captured_on_the_ledger_that_paid(owner, staff):
    job = make_completed_job(owner, ledger="api", credits=20)
    before = credit_balance_get(user=owner, ledger="api")

    entry, created = credit_job_refund(job_id=job.id, staff_user=staff,
                                       reason="Ticket 42: lips out of sync")

    assert created is True
    assert credit_balance_get(user=owner, ledger="api").available == before.available + 20
    assert credit_balance_get(user=owner, ledger="user").available == 0  # never the other one
    assert entry.kind == EntryKind.ADJUSTMENT and entry.amount == 20
    assert entry.staff_user == staff and entry.job_id == str(job.id)
    assert entry.idempotency_key == job_refund_key(job.id)
    assert entry.reason == f"Refund of job {job.id}: Ticket 42: lips out of sync"


def test_a_second_refund_changes_nothing(owner, staff):
    job = make_completed_job(owner, credits=20)
    first, _ = credit_job_refund(job_id=job.id, staff_user=staff, reason="once")
    balance = credit_balance_get(user=owner, ledger="user")

    again, created = credit_job_refund(job_id=job.id, staff_user=staff, reason="twice")

    assert created is False and again.pk == first.pk
    assert credit_balance_get(user=owner, ledger="user") == balance
    assert LedgerEntry.objects.filter(idempotency_key=job_refund_key(job.id)).count() == 1


def test_refund_touches_only_the_jobs_owner(owner, outsider, staff):
    job = make_completed_job(owner, credits=20)
    make_completed_job(outsider, credits=10)
    theirs = credit_balance_get(user=outsider, ledger="user")
    credit_job_refund(job_id=job.id, staff_user=staff, reason="ticket")
    assert credit_balance_get(user=outsider, ledger="user") == theirs


@pytest.mark.parametrize("make", [make_failed_job, make_running_job])
def test_a_job_that_was_not_charged_cannot_be_refunded(owner, staff, make):
    job = make(owner)
    balance = credit_balance_get(user=owner, ledger="user")
    with pytest.raises(NothingToRefundError, match="was not charged"):
        credit_job_refund(job_id=job.id, staff_user=staff, reason="ticket")
    assert credit_balance_get(user=owner, ledger="user") == balance


@pytest.mark.parametrize("reason, staff_user, message", [
    ("  ", "staff", "A reason is required"),
    ("ticket", "customer", "staff users only"),
])
def test_refund_needs_a_reason_and_a_staff_user(owner, staff, reason, staff_user, message):
    job = make_completed_job(owner)
    who = staff if staff_user == "staff" else UserFactory()
    with pytest.raises(ValueError, match=message):
        credit_job_refund(job_id=job.id, staff_user=who, reason=reason)
    assert not LedgerEntry.objects.filter(idempotency_key=job_refund_key(job.id)).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_refunding_at_once_refund_once(owner, staff, run_at_once):
    job = make_completed_job(owner, credits=20)
    before = credit_balance_get(user=owner, ledger="user").available
    results = run_at_once(
        lambda: credit_job_refund(job_id=job.id, staff_user=staff, reason="a")[1],
        lambda: credit_job_refund(job_id=job.id, staff_user=staff, reason="b")[1],
    )
    assert sorted(results) == ["False", "True"]
    assert credit_balance_get(user=owner, ledger="user").available == before + 20
