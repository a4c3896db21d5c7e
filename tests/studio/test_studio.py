"""The studio page, a job's page, the job history and deleting an output."""

import json
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from generation.models import Job, Mode, Status
from generation.services import job_output_delete
from tests.billing.factories import funded_account
from tests.generation.factories import make_completed_job, make_failed_job, make_job

pytestmark = pytest.mark.django_db


def assert_no_external_resources(html: str) -> None:
    """Every script, stylesheet, image and form target is served by this site (no CDN)."""
    for attribute in re.findall(r'\b(?:src|href|action)="([^"]*)"', html):
        assert not re.match(r"^(https?:)?//", attribute), attribute


def _json_script(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>',
                      html, re.S)
    assert match, f"no #{element_id}"
    return json.loads(match.group(1))


# --- studio page ------------------------------------------------------------------------------


SOME_JOB_ID = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize("name, args", [("studio:studio", []), ("studio:history", []),
                                        ("studio:job", [SOME_JOB_ID])])
def test_studio_pages_need_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_studio_offers_the_three_modes_and_every_setting(owner_client, owner):
    funded_account(owner, "user", 120)
    html = owner_client.get(reverse("studio:studio")).content.decode()
    for mode in Mode:
        assert f'name="mode" value="{mode.value}"' in html
    for field in ("video", "image", "audio", "left_audio", "right_audio", "mask_image"):
        assert f'id="file-{field}"' in html and f'id="url-{field}"' in html
    for name in ("resolution", "order", "prompt", "seed"):
        assert f'name="{name}"' in html
    assert 'value="left_right"' in html and 'value="720p"' in html
    assert "120 user credits available" in html
    # Local scripts and styles only: the translation catalog and the studio's own code.
    assert f'src="{reverse("javascript-catalog")}"' in html and "js/studio.js" in html
    assert_no_external_resources(html)


def test_studio_prices_with_the_operators_pricing(owner_client, settings):
    settings.LIPSYNC_CREDITS_PER_SECOND_480P = 3
    settings.LIPSYNC_CREDITS_PER_SECOND_720P = 7
    settings.LIPSYNC_MIN_BILLED_SECONDS = 4
    settings.LIPSYNC_MAX_JOB_SECONDS = 90
    html = owner_client.get(reverse("studio:studio")).content.decode()
    assert _json_script(html, "studio-pricing") == {
        "perSecond": {"480p": 3, "720p": 7}, "minSeconds": 4, "maxSeconds": 90}
    assert "3 credits per second at 480p, 7 at 720p, at least 4 seconds" in html


def test_studio_script_has_no_hard_coded_prices():
    from django.contrib.staticfiles import finders

    source = open(finders.find("js/studio.js"), encoding="utf-8").read()
    assert "pricing.perSecond[" in source and "pricing.minSeconds" in source
    assert not re.search(r"\*\s*[245]\b|[^.\w][245]\s*\*", source)


def test_javascript_catalog_translates_the_studio_strings(client):
    response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="pt-BR")
    body = response.content.decode()
    assert response.status_code == 200
    assert '"Processing": "Processando"' in body
    assert "Choose the audio to see the price." in body


# --- a job's page ------------------------------------------------------------------------------


def test_job_page_owner_sees_the_result_outsider_gets_404(client, owner, outsider):
    job = make_completed_job(owner)
    client.force_login(outsider)
    assert client.get(reverse("studio:job", args=[job.id])).status_code == 404

    client.force_login(owner)
    html = client.get(reverse("studio:job", args=[job.id])).content.decode()
    payload = _json_script(html, "job-initial")
    assert payload["id"] == str(job.id) and payload["status"] == "completed"
    assert payload["output"].startswith("http") and f"/outputs/{job.id}.mp4?" in payload["output"]
    assert '<video id="job-video"' in html and "Download MP4" in html
    assert 'id="delete-output"' in html


def test_job_page_of_a_running_job_has_a_progress_bar_and_polls(owner_client, owner):
    job = make_job(owner, status=Status.RUNNING, progress=0.42)
    html = owner_client.get(reverse("studio:job", args=[job.id])).content.decode()
    assert '<progress id="job-progress" max="100" value="42">' in html
    assert _json_script(html, "job-initial")["status"] == "processing"
    assert f'data-job-id="{job.id}"' in html


def test_job_page_of_a_failed_job_shows_its_error(owner_client, owner):
    job = make_failed_job(owner, error="formState.audio is not an audio file we can read.")
    html = owner_client.get(reverse("studio:job", args=[job.id])).content.decode()
    assert _json_script(html, "job-initial")["error"] == (
        "formState.audio is not an audio file we can read.")
    assert 'id="delete-output"' not in html


# --- history ----------------------------------------------------------------------------------


def test_history_lists_only_the_owners_jobs(owner_client, owner, outsider):
    mine = make_job(owner)
    theirs = make_job(outsider)
    html = owner_client.get(reverse("studio:history")).content.decode()
    assert str(mine.id) in html and str(theirs.id) not in html


def test_history_filters_by_status_and_mode(owner_client, owner):
    done = make_completed_job(owner)
    failed = make_failed_job(owner)
    multi = make_job(owner, model=Mode.IMAGE_MULTI)

    html = owner_client.get(reverse("studio:history"), {"status": "failed"}).content.decode()
    assert str(failed.id) in html and str(done.id) not in html and str(multi.id) not in html

    html = owner_client.get(reverse("studio:history"),
                            {"mode": "lipsync-image-multi"}).content.decode()
    assert str(multi.id) in html and str(failed.id) not in html

    html = owner_client.get(reverse("studio:history"),
                            {"status": "processing", "mode": "lipsync-image"}).content.decode()
    assert "No jobs match these filters." in html


def test_history_with_a_bad_filter_says_so_and_lists_everything(owner_client, owner):
    job = make_job(owner)
    html = owner_client.get(reverse("studio:history"), {"status": "bogus"}).content.decode()
    assert "Select a valid choice. bogus is not one of the available choices." in html
    assert str(job.id) in html


def test_history_pages_keep_the_filters(owner_client, owner):
    jobs = [make_job(owner, status=Status.FAILED) for _ in range(23)]
    make_job(owner)  # processing: filtered out
    first = owner_client.get(reverse("studio:history"), {"status": "failed"}).content.decode()
    assert "Page 1 of 2" in first
    assert 'href="?status=failed&amp;page=2"' in first
    second = owner_client.get(reverse("studio:history"),
                              {"status": "failed", "page": 2}).content.decode()
    assert second.count("data-job-id=") == 3
    assert str(jobs[0].id) in second  # the oldest is last


# --- deleting an output -----------------------------------------------------------------------


def test_owner_deletes_the_output_file_and_keeps_the_job(owner_client, owner):
    job = make_completed_job(owner)
    name = job.output
    assert default_storage.exists(name)

    response = owner_client.post(reverse("studio:output_delete", args=[job.id]),
                                 {"confirm": "yes"}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The video was deleted. The job stays in your history." in html
    assert "This job's video was deleted." in html
    assert not default_storage.exists(name)
    job.refresh_from_db()
    assert job.status == Status.COMPLETED and job.output == "" and job.credits == 20
    assert _json_script(html, "job-initial")["output"] is None
    # The signed link handed out before no longer serves anything.
    assert owner_client.get(f"/outputs/{job.id}.mp4").status_code == 404


def test_outsider_cannot_delete_an_output(client, owner, outsider):
    job = make_completed_job(owner)
    client.force_login(outsider)
    response = client.post(reverse("studio:output_delete", args=[job.id]))
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.output and default_storage.exists(job.output)


def test_delete_output_needs_post(owner_client, owner):
    job = make_completed_job(owner)
    assert owner_client.get(reverse("studio:output_delete", args=[job.id])).status_code == 405


def test_output_delete_twice_deletes_once(owner):
    job = make_completed_job(owner)
    assert job_output_delete(job=job) is True
    assert job_output_delete(job=Job.objects.get(pk=job.pk)) is False
    assert job_output_delete(job=make_job(owner)) is False  # never had one
