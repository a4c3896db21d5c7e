"""Deliveries through real RQ (in this process) to a real receiver on 127.0.0.1."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from generation.models import Status
from generation.services import job_fail
from tests.apikeys.factories import key_client
from tests.webhooks.factories import (
    DRIP,
    FLOOD,
    HANG,
    RESET,
    Redirect,
    drain_webhooks_queue,
    forget_queued_attempts,
    free_port_url,
    make_webhook_job,
    queued_attempts,
)
from webhooks import services, signing
from webhooks.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _deliver_job(owner, url: str, **job_fields) -> Delivery:
    job = make_webhook_job(owner, webhook=url, **job_fields)
    delivery = services.delivery_create_for_job(job_id=job.id)
    drain_webhooks_queue()
    delivery.refresh_from_db()
    return delivery


def _attempts(delivery: Delivery) -> list[tuple]:
    return [(a.number, a.status_code, a.succeeded) for a in delivery.attempts.order_by("number")]


def test_the_body_is_the_job_object_exactly_as_the_api_returns_it(owner, local_webhooks):
    url = local_webhooks.script("/hook", 200)
    delivery = _deliver_job(owner, url)

    [request] = local_webhooks.received()
    api_body = key_client(owner).get(f"/api/v1/jobs/{delivery.job_id}").content
    assert request.body == api_body
    assert request.headers["Content-Type"] == "application/json"
    assert delivery.status == DeliveryStatus.SUCCEEDED and _attempts(delivery) == [(1, 200, True)]
    assert b'"output":"http' in request.body  # a completed job's signed output URL


def test_the_signature_verifies_with_the_standard_library_and_not_with_another_secret(
        owner, local_webhooks):
    url = local_webhooks.script("/hook", 200)
    _deliver_job(owner, url)

    [request] = local_webhooks.received()
    secret = services.signing_secret_get_or_create(owner=owner).secret
    assert secret.startswith("whsec_")
    job = Webhook(secret).verify(request.body, request.headers)
    assert job["status"] == "completed"
    assert request.headers["webhook-signature"].startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"completed", b"failed"), request.headers)


def test_a_500_then_a_200_makes_one_successful_delivery_after_one_retry(owner, local_webhooks):
    url = local_webhooks.script("/hook", 500, 200)
    delivery = _deliver_job(owner, url)

    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert _attempts(delivery) == [(1, 500, False), (2, 200, True)]
    assert "answered 500 Internal Server Error" in delivery.attempts.get(number=1).error
    assert delivery.attempts.get(number=2).response_excerpt == "answer 200\n"
    first, second = local_webhooks.received()
    assert first.body == second.body  # the stored bytes, sent again
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    secret = services.signing_secret_get_or_create(owner=owner).secret
    for request in (first, second):
        Webhook(secret).verify(request.body, request.headers)
    assert Delivery.objects.count() == 1 and queued_attempts() == 0


def test_a_receiver_that_stays_down_gets_every_attempt_recorded_then_fails(owner,
                                                                            local_webhooks):
    delivery = _deliver_job(owner, free_port_url())

    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert _attempts(delivery) == [(1, None, False), (2, None, False), (3, None, False)]
    assert all("refused" in attempt.error for attempt in delivery.attempts.all())
    assert queued_attempts() == 0


def test_a_redirect_is_not_followed(owner, local_webhooks):
    local_webhooks.script("/moved", 200)
    url = local_webhooks.script("/hook", Redirect(local_webhooks.url("/moved")))
    delivery = _deliver_job(owner, url)

    assert local_webhooks.received("/moved") == []
    assert len(local_webhooks.received("/hook")) == 3
    assert delivery.status == DeliveryStatus.FAILED
    assert "302 Found, a redirect; redirects are not followed" in delivery.attempts.first().error


def test_any_2xx_counts_as_delivered(owner, local_webhooks):
    delivery = _deliver_job(owner, local_webhooks.script("/hook", 204))
    assert delivery.status == DeliveryStatus.SUCCEEDED and _attempts(delivery) == [(1, 204, True)]


def test_a_private_address_is_refused_when_the_setting_is_off(owner, local_webhooks, settings):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = False
    delivery = _deliver_job(owner, local_webhooks.script("/hook", 200))

    assert local_webhooks.requests == []
    assert delivery.status == DeliveryStatus.FAILED
    assert "points to a loopback address (127.0.0.1), which is not allowed" in (
        delivery.attempts.first().error)


def test_plain_http_is_refused_unless_allowed(owner, local_webhooks, settings):
    settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS = False
    delivery = _deliver_job(owner, local_webhooks.script("/hook", 200))

    assert local_webhooks.requests == []
    assert "must use https" in delivery.attempts.first().error


def test_the_address_is_checked_again_at_every_attempt(owner, local_webhooks, settings):
    """A retry is refused when the address is no longer allowed (here: the operator turned
    private addresses off between attempts; in the wild: DNS now answers a private address)."""
    url = local_webhooks.script("/hook", 500, 200)
    job = make_webhook_job(owner, webhook=url)
    delivery = services.delivery_create_for_job(job_id=job.id)
    services.delivery_attempt(delivery_id=delivery.id)  # 500
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = False
    drain_webhooks_queue()

    delivery.refresh_from_db()
    assert len(local_webhooks.received()) == 1
    assert _attempts(delivery) == [(1, 500, False), (2, None, False), (3, None, False)]
    assert "loopback" in delivery.attempts.get(number=2).error


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
        owner, local_webhooks, resolve_to_loopback):
    lookups = resolve_to_loopback("hooks.customer.test")
    url = local_webhooks.script("/hook", 200).replace("127.0.0.1", "hooks.customer.test")
    delivery = _deliver_job(owner, url)

    [request] = local_webhooks.received()
    assert request.headers["Host"] == f"hooks.customer.test:{local_webhooks.port}"
    assert lookups["hooks.customer.test"] == 1  # resolved once, checked, connected to as is
    assert delivery.status == DeliveryStatus.SUCCEEDED


@pytest.mark.parametrize("answer, says", [
    (HANG, "did not answer within 1 s"),
    (DRIP, "did not answer within 1 s"),
    (RESET, "closed the connection before answering"),
])
def test_a_hostile_receiver_costs_one_failed_attempt(owner, local_webhooks, settings, answer,
                                                     says):
    settings.LIPSYNC_WEBHOOK_RETRY_SCHEDULE = [3600]
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", answer))
    delivery = services.delivery_create_for_job(job_id=job.id)

    attempt = services.delivery_attempt(delivery_id=delivery.id)

    assert attempt.number == 1 and not attempt.succeeded and attempt.status_code is None
    assert says in attempt.error
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempt_count == 1
    assert delivery.next_attempt_at > timezone.now() + timedelta(minutes=59)


def test_a_receiver_answering_gigabytes_is_read_no_further_than_the_excerpt(owner,
                                                                            local_webhooks):
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", FLOOD))
    delivery = services.delivery_create_for_job(job_id=job.id)

    attempt = services.delivery_attempt(delivery_id=delivery.id)

    assert attempt.succeeded and attempt.status_code == 200
    assert attempt.response_excerpt == "x" * services.RESPONSE_EXCERPT_BYTES


def test_a_binary_answer_is_kept_readable_in_the_log(owner, local_webhooks):
    answer = (500, b"\x00\x01 bad \xff" + b"z" * 4000)
    delivery = _deliver_job(owner, local_webhooks.script("/hook", answer, 200))

    excerpt = delivery.attempts.get(number=1).response_excerpt
    assert excerpt.startswith("\ufffd\x01 bad \ufffd") and excerpt.endswith("z")
    assert len(excerpt) == services.RESPONSE_EXCERPT_BYTES
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_a_failed_job_is_delivered_too_and_a_job_without_webhook_is_not(owner, local_webhooks):
    url = local_webhooks.script("/hook", 200)
    failed = make_webhook_job(owner, webhook=url, status=Status.QUEUED)
    silent = make_webhook_job(owner, status=Status.QUEUED)

    job_fail(job_id=failed.id, error="formState.audio could not be downloaded.")
    job_fail(job_id=silent.id, error="formState.audio could not be downloaded.")
    drain_webhooks_queue()

    [request] = local_webhooks.received()
    assert request.body == key_client(owner).get(f"/api/v1/jobs/{failed.id}").content
    assert b'"status":"failed"' in request.body
    assert list(Delivery.objects.values_list("job_id", flat=True)) == [failed.id]


def test_a_job_gets_one_delivery_even_if_told_twice(owner, local_webhooks):
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", 200))
    first = services.delivery_create_for_job(job_id=job.id)
    assert services.delivery_create_for_job(job_id=job.id) == first
    drain_webhooks_queue()
    assert len(local_webhooks.received()) == 1


def test_an_attempt_is_claimed_once(owner, local_webhooks):
    """Two workers handed the same delivery: the second finds it claimed and sends nothing."""
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", 500))
    delivery = services.delivery_create_for_job(job_id=job.id)

    assert services.delivery_claim(delivery.id) == (delivery, 1)
    assert services.delivery_claim(delivery.id) is None
    assert services.delivery_attempt(delivery_id=delivery.id) is None
    assert local_webhooks.requests == []


def test_a_claim_lost_between_reading_and_updating_sends_nothing(owner, local_webhooks,
                                                                  monkeypatch):
    """Both workers read the delivery as due; the rival's UPDATE lands first."""
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", 500))
    delivery = services.delivery_create_for_job(job_id=job.id)
    real_max_attempts, rival = services.max_attempts, []

    def rival_claims_first() -> int:  # runs between our SELECT and our UPDATE
        if not rival:
            rival.append("started")
            rival.append(services.delivery_claim(delivery.id))
        return real_max_attempts()

    monkeypatch.setattr(services, "max_attempts", rival_claims_first)
    assert services.delivery_attempt(delivery_id=delivery.id) is None
    assert rival[1] == (delivery, 1)
    assert local_webhooks.requests == []


def test_the_sweep_retries_a_delivery_whose_queued_attempt_was_lost(owner, local_webhooks):
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", 200))
    delivery = services.delivery_create_for_job(job_id=job.id)
    forget_queued_attempts()  # Redis lost the job
    assert services.deliveries_enqueue_overdue() == 0  # due, but not overdue yet

    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1))
    assert services.deliveries_enqueue_overdue() == 1
    drain_webhooks_queue()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and len(local_webhooks.received()) == 1


def test_the_sweep_recovers_a_delivery_whose_worker_died_mid_attempt(owner, local_webhooks):
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", 200))
    delivery = services.delivery_create_for_job(job_id=job.id)
    forget_queued_attempts()
    services.delivery_claim(delivery.id)  # ...and the worker is killed before it records

    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1))
    services.deliveries_enqueue_overdue()
    drain_webhooks_queue()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert _attempts(delivery) == [(2, 200, True)]  # attempt 1 was lost with its worker


def test_a_redelivery_sends_the_same_message_again(owner, local_webhooks):
    url = local_webhooks.script("/hook", 500, 500, 500, 200)
    original = _deliver_job(owner, url)
    assert original.status == DeliveryStatus.FAILED

    again = services.delivery_redeliver(delivery=original)
    drain_webhooks_queue()

    again.refresh_from_db()
    assert again.status == DeliveryStatus.SUCCEEDED and again.redelivery_of == original
    assert again.message_id == original.message_id
    assert bytes(again.payload) == bytes(original.payload)
    assert local_webhooks.received()[-1].body == bytes(original.payload)


def test_a_pending_delivery_cannot_be_redelivered(owner, local_webhooks):
    job = make_webhook_job(owner, webhook=local_webhooks.script("/hook", 200))
    delivery = services.delivery_create_for_job(job_id=job.id)
    with pytest.raises(services.DeliveryNotFinished):
        services.delivery_redeliver(delivery=delivery)


def test_the_log_names_the_receiver_without_the_token_in_its_query(owner, local_webhooks,
                                                                    caplog):
    url = local_webhooks.script("/hook?token=tok_s3cr3t&x=1", 500, 200) + "#frag"
    caplog.set_level(logging.DEBUG)

    delivery = _deliver_job(owner, url)

    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(local_webhooks.received("/hook?token=tok_s3cr3t&x=1")) == 2
    attempt_lines = [r.getMessage() for r in caplog.records if r.name == "webhooks.services"]
    assert len(attempt_lines) >= 2
    assert f"to http://127.0.0.1:{local_webhooks.port}/hook:" in attempt_lines[0]
    assert "tok_s3cr3t" not in caplog.text
