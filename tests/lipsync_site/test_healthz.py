import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings


@pytest.mark.django_db
def test_healthz_ok_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_503_when_redis_is_down(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "down"}


HEALTHZ_IN_A_FRESH_SITE = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.content.decode()}))
"""


def test_healthz_names_no_host_user_or_error_when_both_are_unreachable(tmp_path):
    # Real URLs that cannot be reached: nothing of them, nor of the errors, reaches the body.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lipsync_site.settings",
           "LIPSYNC_VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "testserver",
           "DATABASE_URL": "postgres://dbadmin:hunter2@127.0.0.1:1/customers",
           "REDIS_URL": "redis://:redispw@127.0.0.1:2/7"}
    result = subprocess.run([sys.executable, "-c", HEALTHZ_IN_A_FRESH_SITE], env=env,
                            cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {"status": "unavailable", "database": "down",
                                          "redis": "down"}
    # the operator's log has the reasons
    assert "database is down" in result.stderr and "redis is down" in result.stderr
