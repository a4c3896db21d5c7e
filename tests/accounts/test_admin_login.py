"""The admin's login counts failures with the site's (accounts/throttling.py)."""

import pytest
from django.test import override_settings

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"
LOCKED = "Too many failed login attempts"


@pytest.fixture
def staff(db):
    return UserFactory(email="support@example.com", is_staff=True)


def _admin_login(client, email, password, **extra):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password,
                                     "next": "/admin/"}, **extra)


def test_a_staff_member_logs_into_the_admin(client, staff):
    response = _admin_login(client, staff.email, DEFAULT_PASSWORD)
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_admin_login_locks_after_repeated_failures_even_with_the_right_password(client,
                                                                                      staff):
    for _ in range(3):
        assert LOCKED not in _admin_login(client, staff.email, "wrong").content.decode()
    response = _admin_login(client, staff.email, DEFAULT_PASSWORD)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_failures_on_the_site_lock_the_admin_too(client, staff):
    for _ in range(3):
        client.post("/accounts/login/", {"username": staff.email, "password": "wrong"})
    assert LOCKED in _admin_login(client, staff.email, DEFAULT_PASSWORD).content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=100, LOGIN_FAILURE_LIMIT_PER_IP=3,
                   LIPSYNC_TRUSTED_PROXIES=[])
def test_a_forged_forwarded_header_does_not_escape_the_address_lock(client, staff):
    for n in range(3):
        _admin_login(client, f"guess{n}@example.com", "wrong",
                     HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = _admin_login(client, staff.email, DEFAULT_PASSWORD,
                            HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert LOCKED in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=100, LOGIN_FAILURE_LIMIT_PER_IP=3,
                   LIPSYNC_TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(client, staff):
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.66"}  # the test client's peer is 127.0.0.1
    for n in range(3):
        _admin_login(client, f"guess{n}@example.com", "wrong", **attacker)
    locked = _admin_login(client, staff.email, DEFAULT_PASSWORD, **attacker)
    assert LOCKED in locked.content.decode()
    response = _admin_login(client, staff.email, DEFAULT_PASSWORD,
                            HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302
