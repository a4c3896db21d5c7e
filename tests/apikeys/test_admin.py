import pytest
from django.urls import reverse

from apikeys.secrets import parse_key
from tests.apikeys.factories import make_key
from tests.factories import UserFactory


@pytest.mark.django_db
def test_admin_lists_keys_without_secrets_and_revokes(client, owner):
    api_key, full_key = make_key(owner, name="prod")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    listing = client.get(reverse("admin:apikeys_apikey_changelist")).content.decode()
    assert api_key.key_id in listing and "owner@example.com" in listing
    detail = client.get(reverse("admin:apikeys_apikey_change", args=[api_key.pk])).content.decode()
    assert parse_key(full_key).secret not in detail and api_key.secret_hash not in detail

    client.post(reverse("admin:apikeys_apikey_changelist"),
                {"action": "revoke_keys", "_selected_action": [api_key.pk]})
    api_key.refresh_from_db()
    assert not api_key.is_active
