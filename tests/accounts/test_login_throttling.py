import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD


def _login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_account_locks_after_repeated_failures_even_with_the_right_password(client, owner):
    for _ in range(3):
        assert "Too many failed" not in _login(client, owner.email, "wrong").content.decode()
    response = _login(client, owner.email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_success_before_the_limit_resets_the_count(client, owner):
    for _ in range(2):
        _login(client, owner.email, "wrong")
    assert _login(client, owner.email, DEFAULT_PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        _login(client, owner.email, "wrong")
    assert _login(client, owner.email, DEFAULT_PASSWORD).status_code == 302


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_LIMIT_PER_IP=3)
def test_one_address_spraying_many_accounts_is_locked(client, owner, outsider):
    for n in range(3):
        _login(client, f"guess{n}@example.com", "wrong")
    response = _login(client, outsider.email, DEFAULT_PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()
