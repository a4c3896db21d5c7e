"""The jobs admin as support uses it: find a job by the short id in the list, see which jobs
were refunded, read rounded seconds, and view (not edit) a job."""

import re

import pytest
from django.urls import reverse

from billing.refunds import credit_job_refund
from generation.models import Job, Upload
from tests.generation.factories import make_completed_job, make_job

pytestmark = pytest.mark.django_db



def changelist(client, **params) -> str:
    return client.get(reverse("admin:generation_job_changelist"), params).content.decode()


def listed_ids(html: str) -> set[str]:
    return set(re.findall(r'name="_selected_action" value="([0-9a-f-]{36})"', html))


def test_searching_the_short_id_shown_in_the_list_finds_the_job(staff_client, owner, outsider):
    job = make_job(owner)
    other = make_job(outsider)
    html = changelist(staff_client)
    short = str(job.id)[:8]
    assert f">{short}</a>" in html  # the list's first column links the short id

    assert listed_ids(changelist(staff_client, q=short)) == {str(job.id)}
    assert listed_ids(changelist(staff_client, q=short.upper())) == {str(job.id)}
    assert listed_ids(changelist(staff_client, q=str(job.id))) == {str(job.id)}
    assert listed_ids(changelist(staff_client, q="outsider@example.com")) == {str(other.id)}


def test_refunded_jobs_are_marked_in_the_list_and_on_their_page(staff_client, staff, owner):
    refunded = make_completed_job(owner, credits=20)
    kept = make_completed_job(owner, credits=10)
    credit_job_refund(job_id=refunded.id, staff_user=staff, reason="Ticket 9")

    html = changelist(staff_client)
    rows = {job_id: row for row in html.split("<tr")[1:]
            for job_id in re.findall(r'value="([0-9a-f-]{36})"', row)}
    assert 'Completed · <strong class="refunded">refunded</strong>' in rows[str(refunded.id)]
    assert "refunded" not in rows[str(kept.id)]

    page = staff_client.get(reverse("admin:generation_job_change", args=[refunded.pk]))
    assert re.search(r"Refunded 20 credits on \d{4}-\d\d-\d\d \d\d:\d\d", page.content.decode())


def test_a_running_jobs_progress_is_in_its_status(staff_client, owner):
    make_job(owner, status="running", progress=0.42)
    assert "Running · 42%" in changelist(staff_client)


def test_seconds_are_rounded(staff_client, owner):
    job = make_completed_job(owner)
    Job.objects.filter(pk=job.pk).update(billed_seconds=2.0416666666666665,
                                         output_duration=2.0399999999999996)
    html = staff_client.get(reverse("admin:generation_job_change", args=[job.pk])
                            ).content.decode()
    assert "2.04 s" in html
    assert "2.04166" not in html and "2.03999" not in html


@pytest.mark.parametrize("model_name", ["job", "upload"])
def test_read_only_pages_say_view_and_have_no_save_button(staff_client, owner, model_name):
    if model_name == "job":
        obj = make_job(owner)
    else:
        obj = Upload.objects.create(owner=owner, kind="audio", file="uploads/x.wav",
                                    original_name="x.wav", size=10)
    html = staff_client.get(reverse(f"admin:generation_{model_name}_change", args=[obj.pk])
                            ).content.decode()
    assert f" | View {model_name} | " in re.search(r"<title>(.*?)</title>", html).group(1)
    assert f"<h1>View {model_name}</h1>" in html
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert "Save and" not in html
