"""The webhooks dashboard: signing secret, delivery log, redeliver, test events."""

import json
import re

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from tests.webhooks.factories import drain_webhooks_queue, make_failed_delivery
from webhooks.models import Delivery, DeliveryStatus, Event, SigningSecret
from webhooks.services import signing_secret_get_or_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name, args", [
    ("webhooks:overview", []), ("webhooks:rotate", []),
    ("webhooks:job", ["6f2b5b5e-4a43-4a8e-9c1e-6d1f1d2a0b11"]),
])
def test_pages_need_a_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_overview_shows_the_secret_to_reveal_and_copy_and_the_nav_links_it(client, owner):
    client.force_login(owner)
    body = client.get(reverse("webhooks:overview")).content.decode()

    secret = SigningSecret.objects.get(owner=owner)  # created on first view
    assert f'<code id="signing-secret">{secret.secret}</code>' in body
    assert 'data-copy-target="signing-secret"' in body and "<details" in body
    assert f'href="{reverse("webhooks:overview")}">Webhooks</a>' in body
    assert "No deliveries yet." in body


def test_rotating_asks_first_then_replaces_the_secret(client, owner):
    client.force_login(owner)
    old = signing_secret_get_or_create(owner=owner).secret

    confirm = client.get(reverse("webhooks:rotate"))
    assert "Replace your webhook signing secret?" in confirm.content.decode()
    assert SigningSecret.objects.get(owner=owner).secret == old

    response = client.post(reverse("webhooks:rotate"), follow=True)
    new = SigningSecret.objects.get(owner=owner).secret
    assert new != old and new.startswith("whsec_")
    body = response.content.decode()
    assert new in body and old not in body and "was replaced" in body


def test_deliveries_and_their_attempts_are_listed_with_a_redeliver_button(client, owner):
    delivery = make_failed_delivery(owner)
    client.force_login(owner)

    for url in (reverse("webhooks:overview"), reverse("webhooks:job", args=[delivery.job_id])):
        body = client.get(url).content.decode()
        assert "https://hooks.example.com/lipsync" in body
        assert "503" in body and "87 ms" in body and "upstream overloaded" in body
        assert "answered 503 Service Unavailable." in body
        assert reverse("webhooks:redeliver", args=[delivery.pk]) in body


def test_the_job_page_and_redeliver_are_owner_only(client, owner, outsider):
    delivery = make_failed_delivery(owner)
    client.force_login(outsider)

    assert client.get(reverse("webhooks:job", args=[delivery.job_id])).status_code == 404
    assert client.post(reverse("webhooks:redeliver", args=[delivery.pk])).status_code == 404
    assert Delivery.objects.count() == 1
    assert "hooks.example.com" not in client.get(reverse("webhooks:overview")).content.decode()


def test_redeliver_queues_the_same_message_again(client, owner):
    delivery = make_failed_delivery(owner)
    client.force_login(owner)

    response = client.post(reverse("webhooks:redeliver", args=[delivery.pk]), follow=True)

    again = Delivery.objects.exclude(pk=delivery.pk).get()
    assert again.redelivery_of == delivery and again.message_id == delivery.message_id
    assert again.status == DeliveryStatus.PENDING
    assert response.redirect_chain[-1][0] == reverse("webhooks:job", args=[delivery.job_id])
    assert "Redelivery queued" in response.content.decode()


def test_redeliver_needs_a_post(client, owner):
    delivery = make_failed_delivery(owner)
    client.force_login(owner)
    assert client.get(reverse("webhooks:redeliver", args=[delivery.pk])).status_code == 405


@pytest.mark.parametrize("url, says", [
    ("not a url", "Enter a valid URL."),
    ("ftp://files.example.com/hook", "The webhook URL must be an http or https URL."),
    ("http://127.0.0.1:9/hook", "points to a loopback address (127.0.0.1), which is not allowed"),
    ("https://10.1.2.3/hook", "points to a private network address (10.1.2.3)"),
])
def test_a_bad_test_event_url_gets_one_clear_error(client, owner, url, says):
    client.force_login(owner)
    response = client.post(reverse("webhooks:test"), {"url": url})
    assert response.status_code == 400
    errors = re.findall(r'<span class="error">([^<]*)</span>', response.content.decode())
    assert len(errors) == 1 and says in errors[0].replace("&#x27;", "'"), errors
    assert not Delivery.objects.exists()


def test_plain_http_test_events_need_the_operator_setting(client, owner, settings):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = True
    client.force_login(owner)
    response = client.post(reverse("webhooks:test"), {"url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 400 and "must use https" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_test_event_is_a_signed_sample_job_delivered_like_any_other(client, owner,
                                                                     local_webhooks):
    client.force_login(owner)
    url = local_webhooks.script("/hook", 200)

    response = client.post(reverse("webhooks:test"), {"url": url}, follow=True)
    assert "A test event is on its way" in response.content.decode()
    drain_webhooks_queue()

    [request] = local_webhooks.received()
    job = Webhook(signing_secret_get_or_create(owner=owner).secret).verify(
        request.body, request.headers)
    assert set(job) == {"id", "model", "status", "output", "error", "executionTime", "timings",
                        "progress", "credits", "warnings", "errorCode", "createdAt",
                        "completedAt", "expiresAt"}
    assert job["status"] == "completed" and json.loads(request.body) == job
    delivery = Delivery.objects.get()
    assert delivery.event == Event.TEST and delivery.status == DeliveryStatus.SUCCEEDED
    assert url in client.get(reverse("webhooks:overview")).content.decode()
