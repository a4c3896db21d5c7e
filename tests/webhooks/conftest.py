"""Fixtures for webhook tests (the receiver and helpers live in support.py)."""

import pytest

from tests.webhooks.support import Receiver


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


@pytest.fixture
def resolve_to_loopback(monkeypatch):
    """Make chosen DNS names resolve to 127.0.0.1; other lookups go to the real resolver.
    Returns a function adding names, which returns the per-name lookup counts."""
    import socket

    real_getaddrinfo = socket.getaddrinfo
    names: dict[str, int] = {}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in names:
            names[name] += 1
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                     ("127.0.0.1", int(port)))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)

    def add(*hostnames: str) -> dict[str, int]:
        names.update(dict.fromkeys(hostnames, 0))
        return names

    return add
