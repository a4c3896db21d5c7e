from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from apikeys.models import ApiKey
from apikeys.services import api_key_revoke
from tests.apikeys.factories import make_key

URL = "/api/v1/balance"


def _get(header: str | None):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client.get(URL)


def _assert_401(response, says: str):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert says in body["error"]


@pytest.mark.django_db
def test_valid_key_authenticates_as_its_owner_on_the_api_ledger(owner):
    _, full_key = make_key(owner)
    response = _get(f"Bearer {full_key}")
    assert response.status_code == 200
    assert response.json()["ledger"] == "api"


@pytest.mark.django_db
def test_missing_header():
    _assert_401(_get(None), "Missing API key")


@pytest.mark.django_db
@pytest.mark.parametrize("header_of, says", [
    (lambda key: key, "Malformed Authorization header"),  # no "Bearer"
    (lambda key: f"Basic {key}", "Malformed Authorization header"),
    (lambda key: f"bearer{key}", "Malformed Authorization header"),
    (lambda key: "Bearer", "Malformed Authorization header"),
    (lambda key: f"Bearer {key} extra", "expected one key after 'Bearer'"),
    (lambda key: f"Bearer pk_{key[3:]}", "API keys start with 'sk_'"),
    (lambda key: f"Bearer {key[:20]}", "too short"),  # truncated
    (lambda key: f"Bearer sk_ABCDEFGH_{'x' * 40}", "Malformed API key"),
    (lambda key: f"Bearer sk_abc_{'x' * 40}", "Malformed API key"),
    (lambda key: f"Bearer {key}!", "Malformed API key"),
], ids=["no-bearer", "basic", "no-space", "bearer-only", "extra-part", "wrong-prefix",
        "truncated", "upper-case-id", "short-id", "bad-char"])
def test_malformed_headers_say_what_is_wrong(owner, header_of, says):
    _, full_key = make_key(owner)
    _assert_401(_get(header_of(full_key)), says)


@pytest.mark.django_db
def test_unknown_key_id_and_wrong_secret_are_both_unknown(owner):
    api_key, full_key = make_key(owner)
    _assert_401(_get(f"Bearer sk_zzzzzzzz_{full_key[12:]}"), "Unknown API key")
    tampered = full_key[:-1] + ("A" if full_key[-1] != "A" else "B")
    _assert_401(_get(f"Bearer {tampered}"), "Unknown API key")


@pytest.mark.django_db
def test_revoked_key_is_refused(owner):
    api_key, full_key = make_key(owner)
    api_key_revoke(api_key=api_key)
    _assert_401(_get(f"Bearer {full_key}"), "revoked")


@pytest.mark.django_db
def test_a_key_revoked_while_in_use_is_refused_at_the_next_request(owner):
    api_key, full_key = make_key(owner)
    assert _get(f"Bearer {full_key}").status_code == 200  # recently used: no last_used write
    assert _get(f"Bearer {full_key}").status_code == 200
    api_key_revoke(api_key=api_key)
    _assert_401(_get(f"Bearer {full_key}"), "revoked")


@pytest.mark.django_db
def test_key_of_a_disabled_account_is_refused(owner):
    _, full_key = make_key(owner)
    owner.is_active = False
    owner.save()
    _assert_401(_get(f"Bearer {full_key}"), "disabled")


@pytest.mark.django_db
def test_last_used_is_recorded_at_most_once_a_minute(owner):
    api_key, full_key = make_key(owner)
    assert api_key.last_used_at is None
    _get(f"Bearer {full_key}")
    first = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None
    _get(f"Bearer {full_key}")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first

    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=first - timedelta(minutes=2))
    _get(f"Bearer {full_key}")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at > first - timedelta(seconds=1)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at <= timezone.now()


@pytest.mark.django_db
@override_settings(LIPSYNC_RATE_LIMITS={"submit": "60/min", "api": "3/min"})
def test_rate_limit_gives_429_with_retry_after_per_account(owner, outsider):
    _, full_key = make_key(owner)
    for _ in range(3):
        assert _get(f"Bearer {full_key}").status_code == 200
    response = _get(f"Bearer {full_key}")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "rate_limited"
    # A second key of the same account shares its budget: keys do not multiply the rate.
    _, second_key = make_key(owner)
    assert _get(f"Bearer {second_key}").status_code == 429
    # Another account has its own.
    _, other_key = make_key(outsider)
    assert _get(f"Bearer {other_key}").status_code == 200
