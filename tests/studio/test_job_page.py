"""A job's page without JavaScript: its notes (warnings), a failed job's bar, and deleting its
video only once the owner has confirmed it."""

import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from generation.models import Job
from tests.generation.factories import make_completed_job, make_failed_job

pytestmark = pytest.mark.django_db

PROMPT_WARNING = "prompt was accepted but is not used by this engine (lipsync)."


def test_the_jobs_notes_are_on_its_page(owner_client, owner):
    job = make_completed_job(owner)
    Job.objects.filter(pk=job.pk).update(warnings=[PROMPT_WARNING])
    html = owner_client.get(reverse("studio:job", args=[job.id])).content.decode()
    box = re.search(r'<div id="job-warnings" class="warnings"(.*?)</div>', html, re.S).group(1)
    assert not box.startswith(" hidden")
    assert "<h3>Notes on this video</h3>" in box and f"<li>{PROMPT_WARNING}</li>" in box


def test_a_job_without_notes_shows_no_notes_box(owner_client, owner):
    job = make_completed_job(owner)
    html = owner_client.get(reverse("studio:job", args=[job.id])).content.decode()
    assert '<div id="job-warnings" class="warnings" hidden>' in html


def test_a_failed_jobs_bar_says_failed_not_ten_percent(owner_client, owner):
    job = make_failed_job(owner)
    Job.objects.filter(pk=job.pk).update(progress=0.1)  # where it stopped
    html = owner_client.get(reverse("studio:job", args=[job.id])).content.decode()
    assert 'data-status="failed"' in html
    assert '<progress id="job-progress" max="100" value="100">' in html
    assert '<span id="job-progress-text">Failed</span>' in html
    assert "10%" not in html


def test_the_prompt_field_says_what_the_engine_does_with_it(owner_client):
    html = owner_client.get(reverse("studio:studio")).content.decode()
    assert ("No engine on this server uses it yet: the video is made from your files alone, "
            "and the job says so in its notes.") in html


# --- deleting the video asks first ------------------------------------------------------------


def test_the_delete_form_has_a_required_confirmation_box(owner_client, owner):
    job = make_completed_job(owner)
    html = owner_client.get(reverse("studio:job", args=[job.id])).content.decode()
    form = re.search(r'<form[^>]*class="delete-output confirm-delete">(.*?)</form>', html,
                     re.S).group(1)
    assert '<input type="checkbox" name="confirm" value="yes" id="confirm-delete" required>' in form
    assert "I understand: delete this video for good. This cannot be undone." in form


@pytest.mark.parametrize("data", [{}, {"confirm": ""}, {"confirm": "on"}])
def test_delete_without_confirming_deletes_nothing_and_says_why(owner_client, owner, data):
    job = make_completed_job(owner)
    response = owner_client.post(reverse("studio:output_delete", args=[job.id]), data,
                                 follow=True)
    html = response.content.decode()
    assert ("Nothing was deleted: tick the box to confirm that the video should be deleted "
            "for good.") in html
    job.refresh_from_db()
    assert job.output and default_storage.exists(job.output)
    assert 'id="delete-output"' in html  # still offered


def test_delete_with_the_box_ticked_deletes_the_video(owner_client, owner):
    job = make_completed_job(owner)
    name = job.output
    response = owner_client.post(reverse("studio:output_delete", args=[job.id]),
                                 {"confirm": "yes"}, follow=True)
    assert "The video was deleted. The job stays in your history." in response.content.decode()
    assert not default_storage.exists(name)


def test_an_outsider_confirming_still_gets_404(client, owner, outsider):
    job = make_completed_job(owner)
    client.force_login(outsider)
    response = client.post(reverse("studio:output_delete", args=[job.id]), {"confirm": "yes"})
    assert response.status_code == 404
    job.refresh_from_db()
    assert default_storage.exists(job.output)
