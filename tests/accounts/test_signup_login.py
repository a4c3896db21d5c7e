import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD

STRONG = "a-Strong-passphrase-42"


@pytest.mark.django_db
def test_signup_then_logout_then_login(client):
    response = client.post(
        reverse("accounts:signup"),
        {"email": "New@Example.com", "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert User.objects.get().email == "new@example.com"
    assert "new@example.com" in client.get(reverse("dashboard")).content.decode()

    client.post(reverse("accounts:logout"))
    assert client.get(reverse("dashboard")).status_code == 302

    response = client.post(
        reverse("accounts:login"), {"username": "NEW@example.com", "password": STRONG}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_signup_with_taken_email_saves_nothing(client, owner):
    response = client.post(
        reverse("accounts:signup"),
        {"email": "OWNER@example.com", "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_signup_with_weak_password_shows_form_errors(client):
    response = client.post(
        reverse("accounts:signup"),
        {"email": "weak@example.com", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "too common" in body or "entirely numeric" in body
    assert not User.objects.exists()


@pytest.mark.django_db
def test_dashboard_sends_anonymous_users_to_login_with_a_message(client):
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "Login required" in response.content.decode()


@pytest.mark.django_db
def test_wrong_password_is_refused(client, owner):
    response = client.post(
        reverse("accounts:login"), {"username": owner.email, "password": "nope-nope-nope"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_change(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(STRONG)


@pytest.mark.django_db
def test_login_and_signup_speak_portuguese(client):
    for url in (reverse("accounts:login"), reverse("accounts:signup")):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
        assert "Endereço de e-mail" in page and "E-mail address" not in page
