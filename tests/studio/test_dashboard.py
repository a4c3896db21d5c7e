"""The dashboard home: both balances (available and held), recent jobs, links."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import CreditAccount
from billing.services import credit_hold_create
from generation.models import Status
from tests.apikeys.factories import make_key
from tests.billing.factories import funded_account
from tests.generation.factories import make_completed_job, make_job

pytestmark = pytest.mark.django_db


def _card(html: str, ledger: str) -> str:
    match = re.search(rf'data-ledger="{ledger}">(.*?)</div>', html, re.S)
    assert match, f"no balance card for {ledger}"
    return match.group(1)


def test_needs_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_shows_both_balances_available_and_held(owner_client, owner):
    funded_account(owner, "api", 1500)
    user_account = funded_account(owner, "user", 300)
    running = make_job(owner, status=Status.RUNNING, ledger="user")
    credit_hold_create(account=user_account, job_id=running.id, amount=40)

    html = owner_client.get(reverse("dashboard")).content.decode()

    api_card, user_card = _card(html, "api"), _card(html, "user")
    assert "API credits" in api_card and '<span class="available">1,500</span>' in api_card
    assert '<span class="held">0</span>' in api_card
    assert "User credits" in user_card and '<span class="available">260</span>' in user_card
    assert '<span class="held">40</span>' in user_card


def test_new_account_sees_zero_balances_and_the_way_to_the_studio(owner_client):
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert '<span class="available">0</span>' in _card(html, "api")
    assert '<span class="available">0</span>' in _card(html, "user")
    assert "No jobs yet." in html
    assert reverse("studio:studio") in html


def test_recent_jobs_are_the_owners_only_newest_first(owner_client, owner, outsider):
    done = make_completed_job(owner)
    failed = make_job(owner, status=Status.FAILED, error="bad audio")
    theirs = make_job(outsider)

    html = owner_client.get(reverse("dashboard")).content.decode()

    table = html.split('id="recent-jobs"', 1)[1]
    assert reverse("studio:job", args=[failed.id]) in table
    assert reverse("studio:job", args=[done.id]) in table
    assert table.index(str(failed.id)) < table.index(str(done.id))
    assert str(theirs.id) not in html
    assert "Completed" in table and "Failed" in table and "Portrait + audio" in table


def test_links_to_every_dashboard_page(owner_client):
    html = owner_client.get(reverse("dashboard")).content.decode()
    for name in ("studio:studio", "apikeys:list", "billing:overview", "generation:docs",
                 "studio:history"):
        assert f'href="{reverse(name)}"' in html, name
    # The language switch is in the header of every page.
    assert f'action="{reverse("set_language")}"' in html
    assert 'value="pt-br"' in html and "Português" in html


def test_the_api_guide_has_the_examples_and_links_the_openapi_docs(client):
    html = client.get(reverse("generation:docs")).content.decode()
    assert "<title>API guide · Lipsync</title>" in html
    assert f'href="{reverse("api-docs")}"' in html
    assert f'href="{reverse("openapi-schema")}"' in html
    assert f'href="{reverse("api-redoc")}"' in html
    for example in ("<h2>curl</h2>", "<h2>Python</h2>", "<h2>Node</h2>", "import requests",
                    "import fetch from 'node-fetch';", "curl -X POST"):
        assert example in html, example
    assert client.get(reverse("api-docs")).status_code == 200
    # One spec table per endpoint, the brief's response examples, the errorCode catalog, billing.
    assert html.count('class="table spec"') == 7
    for text in ("<code>formState.left_audio</code>", "Response if failed",
                 "&quot;errorCode&quot;: &quot;input_not_media&quot;",
                 "<code>input_unreachable</code>", "3 s audio, 720p  = 5 s × 4 = 20 credits",
                 "10 s audio, 480p = 10 s × 2 = 20 credits", "Outputs live 7 days",
                 "billed on the video"):
        assert text in html, text


def test_shows_the_operators_limits_and_where_the_account_stands(owner_client, owner, settings):
    settings.LIPSYNC_MAX_CONCURRENT_JOBS, settings.LIPSYNC_MAX_API_KEYS = 4, 7
    make_job(owner, status=Status.RUNNING)
    make_key(owner)
    account = funded_account(owner, "api", 0)
    CreditAccount.objects.filter(pk=account.pk).update(frozen_at=timezone.now())

    html = owner_client.get(reverse("dashboard")).content.decode()
    limits = html[html.index('id="limits"'):]
    assert "Jobs running at once: 1 of 4; more wait their turn." in limits
    assert "Active API keys: 1 of 7." in limits
    assert "Uploads: 0 bytes of 2000 MB; each is deleted after 7 days." in limits
    assert "API credits are frozen: a payment was disputed" in limits
