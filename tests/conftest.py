"""Project-wide fixtures: users (owner/outsider), media files and a media server, DNS fakes,
an API client with credits, races between threads, and the `postgres` marker."""

import socket
import threading

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account
from tests.factories import UserFactory
from tests.media_intake.factories import MediaFiles, MediaServer, media_files

PUBLIC_TEST_ADDRESS = "93.184.215.14"  # a public address; nothing connects to it in these tests


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres`: row locks and concurrent transactions need PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="row locks and concurrent transactions need PostgreSQL "
                                   "(SQLite has one writer)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    """Production settings expect collectstatic's manifest; tests serve from the source tree."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _fast_engine_for_job_plumbing(settings):
    """Tests of the API, workers, billing and webhooks use synthetic media without faces and
    need jobs to finish in a blink: they run the `still` engine. Tests of the lip-sync engine
    itself (tests/lipsync_engine, and tests that set LIPSYNC_ENGINE) use the real one."""
    settings.LIPSYNC_ENGINE = "still"


@pytest.fixture(autouse=True)
def _fresh_redis():
    """Each test starts with an empty Redis database (cache, throttles, queues)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.close()


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com")


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.com")


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> MediaFiles:
    return media_files(tmp_path_factory.mktemp("media"))


@pytest.fixture
def media_server():
    server = MediaServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def resolve_to_loopback(monkeypatch):
    """Make chosen DNS names resolve to 127.0.0.1 (as a rebinding or internal name would);
    every other lookup goes to the real resolver. Returns a function adding names, which
    returns the per-name lookup counts."""
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


@pytest.fixture
def public_dns(monkeypatch):
    """Names in the brief's examples (example.com, ...) resolve to a public address, so the
    submit-time address check passes without a DNS server; other lookups are real."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name.endswith("example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                     (PUBLIC_TEST_ADDRESS, int(port or 443)))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.fixture
def api(owner):
    """The owner, funded with 1000 API credits, calling with an API key."""
    funded_account(owner, "api", 1000)
    return key_client(owner)


@pytest.fixture
def run_at_once():
    """Run each call in its own thread (so its own database connection), all released
    together. Returns one word per call: its return value as str, or the exception's name."""

    def run_all(*calls) -> list[str]:
        barrier = threading.Barrier(len(calls))
        results: list[str] = [""] * len(calls)

        def run(index, call):
            try:
                barrier.wait(timeout=30)
                results[index] = str(call())
            except Exception as exc:  # noqa: BLE001 - the test asserts on what was raised
                results[index] = type(exc).__name__
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i, call))
                   for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results

    return run_all
