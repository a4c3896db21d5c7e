"""The per-key limit is a sliding window: a burst at the end of one minute still counts at the
start of the next, and refused requests do not use up the budget."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apikeys.throttling import ApiRateThrottle
from tests.apikeys.factories import make_key

pytestmark = pytest.mark.django_db

MINUTE_START = 1_800_000_000 - 1_800_000_000 % 60


@pytest.fixture
def clock(monkeypatch):
    now = {"t": MINUTE_START + 50.0}
    monkeypatch.setattr(ApiRateThrottle, "timer", lambda self: now["t"])
    return now


def _client(owner) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner)[1]}")
    return client


@override_settings(LIPSYNC_RATE_LIMITS={"submit": "60/min", "api": "4/min"})
def test_a_burst_before_the_minute_turns_still_counts_after_it(owner, clock):
    client = _client(owner)
    assert [client.get("/api/v1/balance").status_code for _ in range(5)] == [200] * 4 + [429]
    clock["t"] = MINUTE_START + 60 + 6  # 90% of the last 60 s overlaps the previous minute
    refused = client.get("/api/v1/balance")
    assert refused.status_code == 429
    # 1 + 4 x overlap > 4 until the overlap is down to 3/4, 15 s into the new minute
    assert int(refused["Retry-After"]) == 15 - 6
    clock["t"] = MINUTE_START + 60 + 14
    assert client.get("/api/v1/balance").status_code == 429
    clock["t"] = MINUTE_START + 60 + 15
    assert client.get("/api/v1/balance").status_code == 200


@override_settings(LIPSYNC_RATE_LIMITS={"submit": "60/min", "api": "2/min"})
def test_refused_requests_do_not_use_up_the_budget(owner, clock):
    client = _client(owner)
    statuses = [client.get("/api/v1/balance").status_code for _ in range(10)]
    assert statuses == [200, 200] + [429] * 8
    clock["t"] = MINUTE_START + 60 + 30  # half of the 2 earlier requests still counts
    assert client.get("/api/v1/balance").status_code == 200
