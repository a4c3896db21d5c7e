import re

import pytest
from django.urls import reverse

from apikeys.models import ApiKey
from apikeys.secrets import hash_secret, parse_key
from tests.apikeys.factories import make_key


@pytest.mark.django_db
def test_anonymous_users_get_the_login_page_with_a_message(client):
    response = client.get(reverse("apikeys:list"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "Login required" in response.content.decode()


@pytest.mark.django_db
def test_create_shows_the_full_key_once_with_a_copy_button(client, owner):
    client.force_login(owner)
    response = client.post(reverse("apikeys:list"), {"name": "Production"})
    body = response.content.decode()
    full_key = re.search(r'<code id="new-key">(sk_[^<]+)</code>', body).group(1)
    api_key = ApiKey.objects.get(owner=owner)
    assert api_key.name == "Production"
    assert hash_secret(parse_key(full_key).secret) == api_key.secret_hash
    assert 'data-copy-target="new-key"' in body
    assert "will not be shown again" in body

    listing = client.get(reverse("apikeys:list")).content.decode()
    assert f"sk_{api_key.key_id}_..." in listing
    assert parse_key(full_key).secret not in listing
    assert "Production" in listing


@pytest.mark.django_db
def test_name_is_optional(client, owner):
    client.force_login(owner)
    client.post(reverse("apikeys:list"), {"name": ""})
    assert ApiKey.objects.get(owner=owner).name == ""


@pytest.mark.django_db
def test_revoke_asks_for_confirmation_then_revokes(client, owner):
    api_key, _ = make_key(owner, name="old")
    client.force_login(owner)
    url = reverse("apikeys:revoke", args=[api_key.key_id])
    confirm = client.get(url)
    assert "cannot be undone" in confirm.content.decode()
    api_key.refresh_from_db()
    assert api_key.is_active

    client.post(url)
    api_key.refresh_from_db()
    assert not api_key.is_active
    assert "revoked" in client.get(reverse("apikeys:list")).content.decode()


@pytest.mark.django_db
def test_outsider_can_neither_see_nor_revoke_the_owners_keys(client, owner, outsider):
    api_key, _ = make_key(owner, name="owner-secret-name")
    client.force_login(outsider)
    assert "owner-secret-name" not in client.get(reverse("apikeys:list")).content.decode()
    url = reverse("apikeys:revoke", args=[api_key.key_id])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    api_key.refresh_from_db()
    assert api_key.is_active


@pytest.mark.django_db
def test_an_account_has_at_most_the_operators_number_of_active_keys(client, owner, settings):
    settings.LIPSYNC_MAX_API_KEYS = 2
    client.force_login(owner)
    first, _ = make_key(owner)
    make_key(owner)
    body = client.post(reverse("apikeys:list"), {"name": "third"}).content.decode()
    assert "You already have 2 active API keys, the most an account may have." in body
    assert ApiKey.objects.filter(owner=owner).count() == 2

    client.post(reverse("apikeys:revoke", args=[first.key_id]))
    client.post(reverse("apikeys:list"), {"name": "third"})
    assert ApiKey.objects.filter(owner=owner, name="third").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_keys_created_at_once_stop_at_the_limit(owner, run_at_once, settings):
    settings.LIPSYNC_MAX_API_KEYS = 3
    results = run_at_once(*[lambda: make_key(owner)[0].is_active] * 6)
    assert results.count("True") == 3 and results.count("TooManyApiKeys") == 3
    assert ApiKey.objects.filter(owner=owner).count() == 3
