import pytest

from generation.models import Job
from support.models import StaffAction, StaffActionKind
from support.services import staff_action_record
from tests.factories import UserFactory
from tests.generation.factories import make_job

pytestmark = pytest.mark.django_db


def test_records_who_what_to_which_object_and_why(owner, staff):
    job = make_job(owner)
    action = staff_action_record(staff_user=staff, action=StaffActionKind.JOB_CANCEL,
                                 target=job, reason="  customer asked  ", details={"x": 1})
    action.refresh_from_db()
    assert action.staff_user == staff and action.action == "job_cancel"
    assert (action.target_type, action.target_id) == ("generation.job", str(job.id))
    assert action.target_repr == str(job) and action.reason == "customer asked"
    assert action.details == {"x": 1}


@pytest.mark.parametrize("who, action, reason, message", [
    ("customer", StaffActionKind.JOB_CANCEL, "why", "staff users only"),
    ("staff", "job_delete", "why", "Unknown staff action"),
    ("staff", StaffActionKind.JOB_CANCEL, " ", "reason is required"),
])
def test_refuses_missing_who_or_why(owner, staff, who, action, reason, message):
    user = staff if who == "staff" else UserFactory()
    with pytest.raises(ValueError, match=message):
        staff_action_record(staff_user=user, action=action, target=make_job(owner),
                            reason=reason)
    assert not StaffAction.objects.exists()


def test_staff_actions_are_append_only(owner, staff):
    action = staff_action_record(staff_user=staff, action=StaffActionKind.JOB_RETRY,
                                 target=make_job(owner), reason="ticket 1")
    action.reason = "something else"
    with pytest.raises(TypeError, match="append-only"):
        action.save()
    with pytest.raises(TypeError, match="append-only"):
        action.delete()
    assert StaffAction.objects.get().reason == "ticket 1"
    assert Job.objects.count() == 1
