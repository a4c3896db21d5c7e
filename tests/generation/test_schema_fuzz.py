"""schemathesis fuzzes the live API against its own OpenAPI schema (`st run --checks all`): every
answer must be documented, match its schema, never be a 5xx, and bad input must be refused.

Covered: every operation that makes no outgoing request, and the three submits, whose URL check
resolves host names: in this test every name resolves to a public address (nothing connects to
it; submits only validate and enqueue). POST /estimate downloads its inputs, so it is left out.
Bounded by --max-examples so the run takes about a minute.
"""

import ipaddress
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.apikeys.factories import make_key
from tests.billing.factories import funded_account
from tests.conftest import PUBLIC_TEST_ADDRESS

ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 12

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed "
                                                         "(requirements-test.txt)")]


@pytest.fixture
def every_name_is_public(monkeypatch):
    """Every host name resolves to a public address, in the live server's thread too (the
    schemathesis process reaches the server by its address, not through this). Address
    literals and localhost resolve as usual: the server reaches Redis and PostgreSQL by them."""

    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name == "localhost" or _is_address(name):  # the server's own services (Redis, DB)
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                 (PUBLIC_TEST_ADDRESS, int(port or 443)))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def test_the_api_keeps_to_its_schema(live_server, settings, owner, tmp_path,
                                     every_name_is_public):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIPSYNC_RATE_LIMITS = {"submit": "100000/min", "api": "100000/min"}
    # Which addresses and schemes a server allows is its operator's choice, not the schema's.
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = True
    settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS = True
    funded_account(owner, "api", 10**6)
    _, key = make_key(owner)

    run = subprocess.run(
        [str(ST), "--config-file", str(CONFIG), "run", f"{live_server.url}/api/v1/openapi.json",
         "--checks", "all",
         "--header", f"Authorization: Bearer {key}", "--max-examples", str(MAX_EXAMPLES),
         "--seed", "18", "--exclude-operation-id", "estimate", "--workers", "1",
         "--phases", "examples,coverage,fuzzing,stateful", "--no-color"],
        capture_output=True, text=True, timeout=600, check=False,
        cwd=tmp_path,  # its cache (.schemathesis/) stays out of the repository
    )

    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "passed" in run.stdout and " failed" not in run.stdout, run.stdout[-3000:]
