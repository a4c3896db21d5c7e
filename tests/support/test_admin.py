"""Support in the admin: users with balances and jobs, jobs with filters and actions that ask
for a reason (cancel, retry, refund), every action recorded with who and why."""

import django_rq
import pytest
from django.urls import reverse

from billing.selectors import credit_balance_get
from generation.models import Job, Mode, Status
from generation.services import CANCELLED_ERROR
from support.models import StaffAction
from tests.billing.factories import funded_account
from tests.generation.factories import (
    make_completed_job,
    make_failed_job,
    make_job,
    make_running_job,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:generation_job_changelist"


def run_action(client, action: str, jobs, reason: str | None = None):
    data = {"action": action, "_selected_action": [str(job.pk) for job in jobs]}
    if reason is not None:
        data.update(apply="1", reason=reason)
    return client.post(reverse(CHANGELIST), data, follow=reason is not None)


# --- the reason page ---------------------------------------------------------------------------


def test_an_action_first_asks_why_and_changes_nothing(staff_client, owner):
    job = make_job(owner)
    response = run_action(staff_client, "cancel_jobs", [job])
    html = response.content.decode()
    assert response.status_code == 200
    assert "Cancel these jobs?" in html and 'name="reason"' in html
    assert f'name="_selected_action" value="{job.pk}"' in html
    assert Job.objects.get(pk=job.pk).status == Status.QUEUED
    assert not StaffAction.objects.exists()


def test_an_empty_reason_is_refused_and_nothing_changes(staff_client, owner):
    job = make_job(owner)
    html = run_action(staff_client, "cancel_jobs", [job], reason="   ").content.decode()
    assert "This field is required." in html or "A reason is required." in html
    assert Job.objects.get(pk=job.pk).status == Status.QUEUED
    assert not StaffAction.objects.exists()


def test_staff_who_may_only_view_jobs_cannot_run_actions(viewer_client, owner):
    job = make_job(owner)
    response = viewer_client.post(reverse(CHANGELIST), {
        "action": "cancel_jobs", "_selected_action": [str(job.pk)], "apply": "1",
        "reason": "trying"})
    assert response.status_code in (302, 403)
    assert Job.objects.get(pk=job.pk).status == Status.QUEUED
    assert not StaffAction.objects.exists()


def test_customers_cannot_reach_the_jobs_admin(client, owner):
    client.force_login(owner)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- cancel ----------------------------------------------------------------------------------


def test_cancel_fails_a_queued_job_flags_a_running_one_and_records_why(staff_client, staff,
                                                                       owner, outsider):
    queued = make_job(owner)
    running = make_running_job(owner, credits=10)
    done = make_completed_job(owner)
    untouched = make_job(outsider)

    html = run_action(staff_client, "cancel_jobs", [queued, running, done],
                      reason="Ticket 7: customer asked").content.decode()

    assert "Cancelled 2 job(s)." in html and "had already finished; skipped." in html
    queued.refresh_from_db()
    assert queued.status == Status.FAILED and queued.error == CANCELLED_ERROR
    running.refresh_from_db()
    assert running.cancel_requested_at is not None  # its worker stops and releases the hold
    assert Job.objects.get(pk=done.pk).status == Status.COMPLETED
    assert Job.objects.get(pk=untouched.pk).status == Status.QUEUED
    actions = StaffAction.objects.all()
    assert {(a.target_id, a.action, a.staff_user, a.reason) for a in actions} == {
        (str(queued.id), "job_cancel", staff, "Ticket 7: customer asked"),
        (str(running.id), "job_cancel", staff, "Ticket 7: customer asked"),
    }


# --- retry -----------------------------------------------------------------------------------


def test_retry_queues_a_new_job_with_the_same_inputs(staff_client, staff, owner,
                                                     django_capture_on_commit_callbacks):
    funded_account(owner, "user", 100)
    failed = make_failed_job(owner)
    failed.form_state = {**failed.form_state, "seed": 7, "prompt": "smile"}
    failed.save(update_fields=["form_state"])

    with django_capture_on_commit_callbacks(execute=True):
        html = run_action(staff_client, "retry_jobs", [failed],
                          reason="Ticket 9: storage outage").content.decode()

    new_job = Job.objects.exclude(pk=failed.pk).get()
    assert "was queued again as" in html and str(new_job.id) in html
    assert (new_job.owner, new_job.ledger, new_job.model) == (owner, "user", Mode.IMAGE)
    assert new_job.form_state == failed.form_state and new_job.status == Status.QUEUED
    assert django_rq.get_queue("fetch").count == 1
    failed.refresh_from_db()
    assert failed.status == Status.FAILED  # the reported result stays as it was
    action = StaffAction.objects.get()
    assert (action.action, action.target_id, action.details) == (
        "job_retry", str(failed.id), {"new_job": str(new_job.id)})


def test_retry_only_failed_jobs_and_only_with_credits(staff_client, owner, settings):
    done = make_completed_job(owner)
    broke = make_failed_job(owner)  # 10 credits left; the minimum job is now 5 s x 20
    settings.LIPSYNC_CREDITS_PER_SECOND_480P = 20
    html = run_action(staff_client, "retry_jobs", [done, broke], reason="ticket").content.decode()
    assert "did not fail; only failed jobs can be retried." in html
    assert "was not retried: A 480p job needs at least 100 user credits; 10 available." in html
    assert Job.objects.count() == 2 and not StaffAction.objects.exists()


# --- refund ----------------------------------------------------------------------------------


def test_refund_returns_the_credits_once_and_records_why(staff_client, staff, owner, outsider):
    job = make_completed_job(owner, credits=20)
    make_completed_job(outsider, credits=10)
    before = credit_balance_get(user=owner, ledger="user").available
    theirs = credit_balance_get(user=outsider, ledger="user")

    html = run_action(staff_client, "refund_jobs", [job], reason="Ticket 3: bad sync"
                      ).content.decode()
    assert "Refunded 20 credits for" in html
    assert credit_balance_get(user=owner, ledger="user").available == before + 20

    again = run_action(staff_client, "refund_jobs", [job], reason="double click"
                       ).content.decode()
    assert "was already refunded; nothing changed." in again
    assert credit_balance_get(user=owner, ledger="user").available == before + 20
    assert credit_balance_get(user=outsider, ledger="user") == theirs
    action = StaffAction.objects.get()
    assert (action.action, action.staff_user, action.reason, action.details["credits"]) == (
        "job_refund", staff, "Ticket 3: bad sync", 20)


def test_refund_refuses_jobs_that_were_not_charged(staff_client, owner):
    failed = make_failed_job(owner)
    html = run_action(staff_client, "refund_jobs", [failed], reason="ticket").content.decode()
    assert "did not complete; it was not charged." in html
    assert not StaffAction.objects.exists()


# --- lists and pages -----------------------------------------------------------------------


def test_jobs_can_be_filtered_by_status_model_ledger_and_date(staff_client, owner):
    failed = make_failed_job(owner, ledger="api")
    multi = make_job(owner, model=Mode.IMAGE_MULTI)
    done = make_completed_job(owner)

    def listed(**query):
        html = staff_client.get(reverse(CHANGELIST), query).content.decode()
        return {job for job in (failed, multi, done) if str(job.pk) in html}

    assert listed(status__exact="failed") == {failed}
    assert listed(model__exact="lipsync-image-multi") == {multi}
    assert listed(ledger__exact="user") == {multi, done}
    assert listed(created_at__gte="2000-01-01") == {failed, multi, done}
    assert listed(created_at__lt="2000-01-01") == set()
    assert listed(q=owner.email) == {failed, multi, done}


def test_a_jobs_page_shows_its_ledger_entries_and_staff_actions(staff_client, owner):
    job = make_completed_job(owner, credits=20)
    run_action(staff_client, "refund_jobs", [job], reason="Ticket 5")
    html = staff_client.get(reverse("admin:generation_job_change", args=[job.pk])
                            ).content.decode()
    assert "Charged 20 of the 20 credits held" in html
    assert f"Refund of job {job.id}: Ticket 5" in html
    assert "Refunded a job · Ticket 5" in html


def test_users_list_and_page_show_balances_and_recent_jobs(staff_client, owner, outsider):
    funded_account(owner, "api", 700)
    running = make_running_job(owner, credits=30)  # funds 30 user credits and holds them
    funded_account(owner, "user", 50)
    theirs = make_job(outsider)

    listing = staff_client.get(reverse("admin:accounts_user_changelist"), {"q": owner.email})
    html = listing.content.decode()
    assert '<td class="field-api_available">700</td>' in html
    assert '<td class="field-user_available">50</td>' in html

    page = staff_client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    html = page.content.decode()
    assert "<tr><th>API credits</th><td>700</td><td>0</td><td>700</td></tr>" in html
    assert "<tr><th>User credits</th><td>50</td><td>30</td><td>80</td></tr>" in html
    assert str(running.id)[:8] in html and str(theirs.id)[:8] not in html


def test_staff_actions_are_listed_read_only(staff_client, owner):
    job = make_job(owner)
    run_action(staff_client, "cancel_jobs", [job], reason="Ticket 11")
    action = StaffAction.objects.get()
    listing = staff_client.get(reverse("admin:support_staffaction_changelist")).content.decode()
    assert "Ticket 11" in listing and "support@example.com" in listing
    assert staff_client.get(reverse("admin:support_staffaction_add")).status_code == 403
    staff_client.post(reverse("admin:support_staffaction_delete", args=[action.pk]),
                      {"post": "yes"})
    assert StaffAction.objects.filter(pk=action.pk).exists()
