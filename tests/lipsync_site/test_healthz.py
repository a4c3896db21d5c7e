import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_healthz_ok_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"]


@pytest.mark.django_db
def test_healthz_503_when_redis_is_down(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["redis"]["ok"] is False and body["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_503_when_database_is_down(client, monkeypatch):
    from django.db import connection
    from django.db.utils import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "detail": "connection refused"}
