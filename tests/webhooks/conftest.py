"""Fixtures for webhook tests (the receiver and data builders live in factories.py)."""

import pytest

from tests.webhooks.factories import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def local_webhooks(settings, receiver):
    """Webhooks to 127.0.0.1 over http, which the operator allows here (as `make run` can), and
    immediate retries so a test sees the whole schedule without waiting."""
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = True
    settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS = True
    settings.LIPSYNC_WEBHOOK_RETRY_SCHEDULE = [0, 0]
    settings.LIPSYNC_WEBHOOK_TIMEOUT_SECONDS = 1
    return receiver
